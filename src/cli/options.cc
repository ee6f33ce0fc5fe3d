#include "cli/options.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace bursar::cli {

bool ReadInput(const std::string& path, std::string* out, std::string* error) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      *error = "cannot read '" + path + "'";
      return false;
    }
    buffer << in.rdbuf();
  }
  *out = buffer.str();
  return true;
}

}  // namespace bursar::cli
