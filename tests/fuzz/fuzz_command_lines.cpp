// Fuzzes the two command-line parsers (desaster's flags, desasterctl's
// commands) and the duration/time parsers: arguments are NUL-separated words.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/node/options.hpp"
#include "ui/common/durations.hpp"
#include "ui/desasterctl/ctl_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"desaster"};
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  words.push_back(word);
  (void)desaster::parse_node_options(words);
  (void)desaster::parse_ctl_args(std::vector<std::string>(words.begin() + 1, words.end()));
  for (const std::string& w : words) {
    (void)desaster::parse_duration_ms(w);
    (void)desaster::parse_time_ms(w);
  }
  return 0;
}
