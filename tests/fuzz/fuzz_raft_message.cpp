// decode_message on arbitrary bytes: never crashes, every refusal says why,
// and whatever it accepts encodes back to a message that decodes the same.
// An accepted message is then stepped into a follower and a leader: a peer
// sending garbage must not be able to crash a node.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/cluster/message_codec.hpp"
#include "core/cluster/raft.hpp"

using namespace desaster;
using namespace desaster::raft;

namespace {

Raft make_node(bool leader) {
  RaftStorage storage;
  storage.snapshot.meta.index = 2;
  storage.snapshot.meta.term = 1;
  storage.snapshot.meta.conf.voters = {NodeId::from_u64(1), NodeId::from_u64(2),
                                       NodeId::from_u64(3)};
  storage.snapshot.meta.conf.learners = {NodeId::from_u64(4)};
  storage.hard_state = {2, NodeId::from_u64(1), 3};
  for (std::uint64_t i = 3; i <= 5; ++i) storage.entries.push_back({i < 4 ? 1u : 2u, i, 0, "op"});
  RaftConfig config;
  config.id = NodeId::from_u64(1);
  Raft raft(config, storage);
  if (leader) {
    raft.campaign();  // pre-vote: needs answers, so step them in
    for (int round = 0; round < 2 && raft.role() != Role::leader; ++round) {
      const MessageType answer = raft.role() == Role::pre_candidate ? MessageType::pre_vote_response
                                                                    : MessageType::vote_response;
      Message grant;
      grant.type = answer;
      grant.from = NodeId::from_u64(2);
      grant.to = config.id;
      grant.term = raft.role() == Role::pre_candidate ? raft.term() + 1 : raft.term();
      (void)raft.step(grant);
    }
  }
  return raft;
}

void step_into(Raft raft, Message m) {
  m.to = raft.id();
  (void)raft.step(m);
  for (int i = 0; i < 3 && raft.has_ready(); ++i) raft.advance(raft.ready());
  raft.tick();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)decode_conf_change(input);
  Result<Message> message = decode_message(input);
  if (!message.ok()) {
    if (message.status().message.empty()) std::abort();
    return 0;
  }
  const std::string encoded = encode_message(*message);
  Result<Message> again = decode_message(encoded);
  if (!again.ok() || encode_message(*again) != encoded) std::abort();
  step_into(make_node(false), *message);
  step_into(make_node(true), *message);
  return 0;
}
