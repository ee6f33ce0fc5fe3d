#include "lang/loader.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "lang/lexer.h"
#include "lang/parser.h"

namespace bursar {
namespace fs = std::filesystem;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

namespace {

// Scans one Markdown file: lexes its ```bursar blocks and records the labels
// its prose defines ("[04.2]" anywhere in prose, "**D-04a**" in prose).
void ScanFile(int file_index, const SourceFile& file, Policy* policy, std::vector<Token>* tokens,
              Diagnostics* diags) {
  static const std::regex kClause(R"(\[([A-Za-z0-9]+\.[0-9]+)\])");
  static const std::regex kDecision(R"(\*\*(D-[A-Za-z0-9]+)\*\*)");
  bool in_code = false, in_other_fence = false;
  size_t code_begin = 0;
  int code_line = 0;
  std::string current_label;  // the clause whose paragraph we are in
  for (size_t ln = 1; ln <= file.line_starts.size(); ++ln) {
    std::string_view line = file.Line(static_cast<int>(ln));
    std::string_view trimmed = line;
    while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
    bool fence = trimmed.rfind("```", 0) == 0;
    if (in_code) {
      if (fence) {
        Lex(file, file_index, code_begin, file.line_starts[ln - 1], code_line, tokens, diags);
        in_code = false;
      }
      continue;
    }
    if (in_other_fence) {
      if (fence) in_other_fence = false;
      continue;
    }
    if (fence) {
      std::string_view info = trimmed.substr(3);
      while (!info.empty() && info.back() == '\r') info.remove_suffix(1);
      if (info == "bursar") {
        in_code = true;
        code_line = static_cast<int>(ln) + 1;
        code_begin = ln < file.line_starts.size() ? file.line_starts[ln] : file.text.size();
      } else {
        in_other_fence = true;
      }
      continue;
    }
    std::string text(line);
    if (trimmed.empty()) {
      current_label.clear();
      continue;
    }
    std::string body = text;
    if (body.rfind("> ", 0) == 0) body = body.substr(2);
    for (std::sregex_iterator it(text.begin(), text.end(), kClause), end; it != end; ++it) {
      std::string label = "[" + (*it)[1].str() + "]";
      bool known = std::any_of(policy->clause_labels.begin(), policy->clause_labels.end(),
                               [&](const auto& l) { return l.first == label; });
      if (!known) {
        Location w{file_index, static_cast<int>(ln), static_cast<int>(it->position()) + 1,
                   static_cast<int>(it->length())};
        policy->clause_labels.emplace_back(label, w);
        // A paragraph that opens with its label is that clause's text.
        if (it->position() == static_cast<long>(text.size() - body.size())) {
          policy->clause_texts.emplace_back(label, body.substr(static_cast<size_t>(it->length())));
          current_label = label;
          while (!policy->clause_texts.back().second.empty() && policy->clause_texts.back().second.front() == ' ') {
            policy->clause_texts.back().second.erase(0, 1);
          }
          continue;
        }
      }
    }
    if (!current_label.empty() && !policy->clause_texts.empty() && policy->clause_texts.back().first == current_label &&
        !std::regex_search(text, kClause)) {
      policy->clause_texts.back().second += " " + body;
    }
    for (std::sregex_iterator it(text.begin(), text.end(), kDecision), end; it != end; ++it) {
      std::string label = (*it)[1].str();
      bool known = std::any_of(policy->decision_labels.begin(), policy->decision_labels.end(),
                               [&](const auto& l) { return l.first == label; });
      if (!known) {
        Location w{file_index, static_cast<int>(ln), static_cast<int>(it->position()) + 3,
                   static_cast<int>(label.size())};
        policy->decision_labels.emplace_back(label, w);
      }
    }
  }
  if (in_code) {
    Lex(file, file_index, code_begin, file.text.size(), code_line, tokens, diags);
    diags->Error("unclosed-block", Location{file_index, code_line - 1, 1, 9},
                 "this ```bursar block is never closed with ```");
  }
}

}  // namespace

Result<LoadResult> LoadPolicy(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status(StatusCode::kNotFound, "no policy folder at '" + dir + "'");
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == "tests") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".md") files.push_back(it->path());
  }
  if (ec) return Status(StatusCode::kUnavailable, "cannot list '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status(StatusCode::kNotFound, "the folder '" + dir + "' holds no policy files (*.md)");

  auto checked = std::make_shared<CheckedPolicy>();
  LoadResult result;
  std::string digest_input;
  std::vector<std::vector<Token>> tokens(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    if (!in) return Status(StatusCode::kUnavailable, "cannot read '" + files[i].string() + "'");
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string rel = fs::relative(files[i], dir).generic_string();
    digest_input += rel + '\0' + buffer.str() + '\0';
    int index = checked->sources.Add(files[i].lexically_normal().string(), buffer.str());
    ScanFile(index, checked->sources.files[static_cast<size_t>(index)], &checked->policy, &tokens[i],
             &result.diagnostics);
  }
  for (auto& file_tokens : tokens) ParseTokens(file_tokens, &checked->policy, &result.diagnostics);
  CheckPolicy(checked.get(), &result.diagnostics);
  checked->digest = "sha256:" + Sha256Hex(digest_input);
  result.formatted = result.diagnostics.Format(checked->sources);
  if (!result.diagnostics.has_errors()) result.policy = std::move(checked);
  return result;
}

}  // namespace bursar
