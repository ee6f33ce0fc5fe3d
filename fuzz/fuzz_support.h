// Shared by the fuzz targets (fuzz/*_fuzzer.cc): where the repository is, a
// scratch folder of the process's own, and a loud stop for a broken
// invariant (libFuzzer records the input that led to it).
#pragma once

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.h"

#ifndef BURSAR_SOURCE_DIR
#error "BURSAR_SOURCE_DIR must name the repository (CMakeLists.txt sets it)"
#endif

namespace bursar_fuzz {

// Options that create a SQLite store and let it be migrated.
inline bursar::store::OpenOptions CreateOptions() {
  bursar::store::OpenOptions options;
  options.create = true;
  options.allow_pending = true;
  return options;
}

inline std::string SourceDir() { return BURSAR_SOURCE_DIR; }
inline std::string PolicyDir() { return SourceDir() + "/policies/chaoyang-data-element"; }

// Whether `dir` has at least `bytes` free (a container's /dev/shm may be 64 MiB).
inline bool HasRoom(const char* dir, unsigned long long bytes) {
  struct statvfs fs {};
  return statvfs(dir, &fs) == 0 && static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize >= bytes;
}

// A folder for this process's scratch files, on tmpfs when there is one with
// room (512 MiB free), emptied first: process ids are reused (32768 of them, and a build runs many
// processes), and an earlier process of the same id may have left its files
// (a database's -wal file, say) when it was killed. Removed at exit.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base =
        HasRoom("/dev/shm", 512ULL << 20) ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
    std::filesystem::path d = base / ("bursar-fuzz-" + std::to_string(getpid()));
    std::error_code ignored;
    std::filesystem::remove_all(d, ignored);
    std::filesystem::create_directories(d);
    return d;
  }();
  static const bool cleaned_at_exit = [] {
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    });
    return true;
  }();
  (void)cleaned_at_exit;
  return dir;
}

inline void WriteFile(const std::filesystem::path& path, const char* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data, static_cast<std::streamsize>(size));
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An invariant the code under test broke: print it and abort, so the fuzzer
// keeps the input as a crash.
[[noreturn]] inline void Broken(const std::string& what) {
  std::fprintf(stderr, "INVARIANT BROKEN: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace bursar_fuzz
