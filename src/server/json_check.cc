#include "server/json_check.h"

#include <simdjson.h>

namespace bursar::server {

bool IsOneJsonValue(std::string_view text) {
  // One parser a thread: it keeps its buffers for the next text.
  thread_local simdjson::dom::parser parser;
  // realloc_if_needed: the text is copied into the parser's padded buffer.
  return parser.parse(text.data(), text.size(), true).error() == simdjson::SUCCESS;
}

}  // namespace bursar::server
