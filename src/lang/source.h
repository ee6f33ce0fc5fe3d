// Policy source text: the files of a policy folder and positions within them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bursar {

// A position in a policy file: 1-based line and column, and the length of the
// span a caret should underline.
struct Location {
  int file = -1;  // index into SourceSet::files; -1 when unknown
  int line = 0;
  int column = 0;
  int length = 1;
};

struct SourceFile {
  std::string path;     // as shown in diagnostics
  std::string text;
  std::vector<size_t> line_starts;  // offset of each line's first byte

  std::string_view Line(int line) const;  // 1-based, without the newline
};

struct SourceSet {
  std::vector<SourceFile> files;
  int Add(std::string path, std::string text);
};

}  // namespace bursar
