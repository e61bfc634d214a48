// Shared fixtures of the journal tests: a fresh temporary data dir, a real
// libuv loop, and helpers that run the loop until the journal's callbacks
// have fired.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/journal/journal.hpp"
#include "core/journal/record_codec.hpp"

namespace desaster::journal_test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "desaster-journal-XXXXXX");
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string data_dir() const { return path_ + "/data"; }

 private:
  std::string path_;
};

class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  ~TestLoop() {
    if (!closed_) {
      uv_run(&loop_, UV_RUN_DEFAULT);
      uv_loop_close(&loop_);
    }
  }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  uv_loop_t* get() { return &loop_; }
  // Runs until no work is left: every queued commit or snapshot has called back.
  void run() { uv_run(&loop_, UV_RUN_DEFAULT); }
  int close() {
    closed_ = true;
    return uv_loop_close(&loop_);
  }

 private:
  uv_loop_t loop_{};
  bool closed_ = false;
};

inline LogEntry make_entry(std::uint64_t index, std::uint64_t term = 1, std::string op = "") {
  LogEntry entry;
  entry.term = term;
  entry.index = index;
  entry.timestamp = 1700000000000 + static_cast<TimeMs>(index);
  entry.op = op.empty() ? "op-" + std::to_string(index) : std::move(op);
  return entry;
}

inline std::unique_ptr<Journal> open_journal(TestLoop& loop, const std::string& data_dir,
                                             Recovery& recovery,
                                             const JournalOptions& options = {}) {
  auto opened = Journal::open(loop.get(), data_dir, options, recovery);
  INFO(opened.status().message);
  REQUIRE(opened.ok());
  return std::move(*opened);
}

inline void append_range(Journal& journal, std::uint64_t first, std::uint64_t last,
                         std::uint64_t term = 1, std::size_t op_size = 0) {
  for (std::uint64_t index = first; index <= last; ++index) {
    Status appended =
        journal.append(make_entry(index, term, op_size ? std::string(op_size, 'p') : ""));
    INFO(appended.message);
    REQUIRE(appended.ok());
  }
}

// Flushes and runs the loop until the commit called back; returns its status.
inline Status flush_and_wait(TestLoop& loop, Journal& journal) {
  Status result = Status::error(ErrorCode::internal, "durable callback never ran");
  journal.set_durable_callback(
      [&](const Status& status, std::uint64_t, std::uint64_t) { result = status; });
  journal.flush();
  loop.run();
  journal.set_durable_callback(nullptr);
  return result;
}

inline Status snapshot_and_wait(TestLoop& loop, Journal& journal, Snapshot snapshot) {
  Status result = Status::error(ErrorCode::internal, "snapshot callback never ran");
  journal.write_snapshot(std::move(snapshot), [&](const Status& status) { result = status; });
  loop.run();
  return result;
}

inline void close_and_wait(TestLoop& loop, std::unique_ptr<Journal>& journal) {
  bool closed = false;
  journal->close([&] { closed = true; });
  loop.run();
  REQUIRE(closed);
  journal.reset();
}

inline std::string segment_path(const std::string& data_dir, std::uint64_t first_index) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.log", static_cast<unsigned long long>(first_index));
  return data_dir + "/journal/" + name;
}

inline std::vector<std::string> file_names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline std::vector<std::uint64_t> indexes(const std::vector<LogEntry>& entries) {
  std::vector<std::uint64_t> result;
  for (const LogEntry& entry : entries) result.push_back(entry.index);
  return result;
}

inline std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> result;
  for (std::uint64_t index = first; index <= last; ++index) result.push_back(index);
  return result;
}

}  // namespace desaster::journal_test
