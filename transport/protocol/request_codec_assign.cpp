// The "assign" request body: writer and reader side by side. The reader
// refuses a body that lacks what its action needs.
#include <array>

#include "transport/protocol/assign_messages.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster::protocol {

namespace {

constexpr std::array<const char*, 9> kAssignActionNames{
    "attach", "detach", "pause", "resume", "drain", "undrain", "pin", "unpin", "list"};

}  // namespace

const char* to_string(AssignAction action) {
  return kAssignActionNames.at(static_cast<std::size_t>(action));
}

bool assign_action_from_string(std::string_view name, AssignAction& out) {
  for (std::size_t i = 0; i < kAssignActionNames.size(); ++i) {
    if (name == kAssignActionNames[i]) {
      out = static_cast<AssignAction>(i);
      return true;
    }
  }
  return false;
}

void write(BodyWriter& w, const AssignCommand& b) {
  w.add("action", to_string(b.action));
  if (!b.pool.empty()) w.add("pool", b.pool);
  if (!b.queue.empty()) w.add("queue", b.queue);
  if (b.weight != 1) w.add("weight", b.weight);
  if (!b.node.empty()) w.add("node", b.node);
  if (!b.ids.empty()) {
    BodyWriter::Packer& pk = w.key("ids");
    pk.pack_array(static_cast<std::uint32_t>(b.ids.size()));
    for (JobId id : b.ids) pk.pack(id);
  }
}

void read(MapReader& r, AssignCommand& b) {
  r.require("action");
  r.read_enum("action", b.action, assign_action_from_string);
  r.read_name("pool", b.pool);
  r.read_name("queue", b.queue);
  r.read("weight", b.weight);
  r.read_name("node", b.node);
  r.read_ids("ids", b.ids, kMaxBatch);
  if (!r.ok()) return;
  switch (b.action) {
    case AssignAction::attach:
    case AssignAction::detach:
      r.require("pool");
      r.require("queue");
      break;
    case AssignAction::pause:
    case AssignAction::resume:
      r.require("pool");
      break;
    case AssignAction::pin:
      r.require("ids");
      if (r.ok() && b.node.empty() && b.pool.empty()) r.fail("node", "or 'pool' is needed to pin");
      break;
    case AssignAction::unpin:
      r.require("ids");
      break;
    case AssignAction::drain:
    case AssignAction::undrain:
    case AssignAction::list:
      break;
  }
  if (r.ok() && b.action == AssignAction::attach && b.weight == 0)
    r.fail("weight", "must be at least 1");
}

}  // namespace desaster::protocol
