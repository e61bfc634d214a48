// Looking at a node's processes from a test: which pid holds a data dir, and
// whether a pid still runs (a hot upgrade swaps the one, the SysV script
// starts and stops the other).
#pragma once

#include <sys/types.h>

#include <fstream>
#include <string>

namespace desaster::test {

// The pid that holds the data dir (the LOCK file names it); 0 if none.
inline pid_t lock_holder(const std::string& data_dir) {
  std::ifstream in(data_dir + "/LOCK");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// Not exited, and not a zombie either (in a container the reaper may be slow
// or absent).
inline bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

}  // namespace desaster::test
