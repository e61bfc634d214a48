// `desasterctl digest` (ctl_digest.hpp).
#include "ui/desasterctl/ctl_digest.hpp"

#include <cinttypes>
#include <cstdio>

#include "core/state/dedup_identity.hpp"
#include "transport/client/state_feed.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

StateDigest digest_of(const State& state, std::uint64_t index, std::uint64_t term) {
  StateDigest d;
  d.index = index;
  d.term = term;
  d.jobs = state.counts().total();
  // The encoding is canonical (ordered maps, fixed field order), so equal
  // States hash equal whichever way a node reached them: replay or snapshot.
  d.digest = fnv1a64(state.encode_snapshot());
  return d;
}

std::string format_digest(const StateDigest& d, bool json) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, d.digest);
  if (json) {
    JsonWriter w;
    w.begin_object().key("index").value(d.index).key("term").value(d.term);
    w.key("jobs").value(d.jobs).key("digest").value(std::string(hex)).end_object();
    return w.str();
  }
  return "index " + std::to_string(d.index) + " term " + std::to_string(d.term) + " jobs " +
         std::to_string(d.jobs) + " digest " + hex;
}

int run_digest(const CtlArgs& args) {
  StateFeedOptions options;
  options.endpoint = args.endpoint;
  options.group_key = args.group_key;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  auto feed = StateFeed::connect(options);
  if (!feed.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", feed.status().message.c_str());
    return feed.status().code == ErrorCode::unavailable ? 3 : 1;
  }
  const StateFeed& f = **feed;
  std::printf("%s\n", format_digest(digest_of(f.state(), f.index(), f.term()), args.json).c_str());
  return 0;
}

}  // namespace desaster
