#include "case/uscc.h"

#include <array>
#include <cstdint>

namespace bursar {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

// The value of each character of the alphabet, -1 for the others, by table:
// population files validate millions of codes.
int ValueOf(char c) {
  static const std::array<int8_t, 256> table = [] {
    std::array<int8_t, 256> t;
    t.fill(-1);
    for (size_t i = 0; i < kAlphabet.size(); ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  return table[static_cast<unsigned char>(c)];
}

}  // namespace

char UsccCheckCharacter(std::string_view first17) {
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    int v = ValueOf(first17[i]);
    if (v < 0) return '\0';
    sum += v * kWeights[i];
  }
  int check = (31 - sum % 31) % 31;
  return kAlphabet[static_cast<size_t>(check)];
}

bool IsValidUscc(std::string_view code, std::string* why) {
  auto fail = [&](std::string m) {
    if (why) *why = std::move(m);
    return false;
  };
  if (code.size() != 18) {
    return fail("a unified social credit code has 18 characters, this one has " + std::to_string(code.size()));
  }
  for (size_t i = 0; i < code.size(); ++i) {
    if (ValueOf(code[i]) < 0) {
      return fail("character " + std::to_string(i + 1) + " ('" + std::string(1, code[i]) +
                  "') is not allowed in a unified social credit code (0-9 and capital letters except I, O, S, V, Z)");
    }
  }
  char expected = UsccCheckCharacter(code.substr(0, 17));
  if (code[17] != expected) {
    return fail(std::string("check character is '") + code[17] + "', but the first 17 characters require '" +
                expected + "'");
  }
  return true;
}

}  // namespace bursar
