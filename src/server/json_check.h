// Whether a text is one JSON value, fast: a stored audit change is spliced
// into a page as it is (the bytes its digest covers) only when it is, so that
// text written into the store by hand cannot add fields to the page.
#pragma once

#include <string_view>

namespace bursar::server {

// True when `text` is exactly one JSON value, surrounded by whitespace at
// most, in valid UTF-8 (simdjson's DOM parser, Debian's libsimdjson: a
// 0.6 MB change in about a millisecond, where nlohmann::json::accept took
// 15–20 ms). Stricter than accept in two ways that only send a text as a
// string: integers beyond 64 bits and escapes of a lone surrogate.
bool IsOneJsonValue(std::string_view text);

}  // namespace bursar::server
