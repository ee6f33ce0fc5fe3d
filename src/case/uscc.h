// Unified social credit codes (统一社会信用代码), GB 32100-2015.
#pragma once

#include <string>
#include <string_view>

namespace bursar {

// True when `code` is 18 characters of the code alphabet (0-9, A-H, J-N, P-R,
// T-U, W-Y) whose last character is the check character of the first 17.
// On false, *why (if given) says what is wrong, in words for a user.
bool IsValidUscc(std::string_view code, std::string* why = nullptr);

// The check character for the first 17 characters; '\0' if any is not in the alphabet.
char UsccCheckCharacter(std::string_view first17);

}  // namespace bursar
