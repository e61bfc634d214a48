#include "transport/protocol/pool_wire.hpp"

namespace desaster::protocol {

namespace {
constexpr std::size_t kMaxPoolItems = 1024;
}

std::string encode_pool_spec(const PoolSpec& spec) {
  BodyWriter w;
  w.add("name", spec.name).add("node", spec.node).add("dir", spec.dir);
  BodyWriter::Packer& files = w.key("require");
  files.pack_array(static_cast<std::uint32_t>(spec.require_files.size()));
  for (const std::string& file : spec.require_files) BodyWriter::pack_string(files, file);
  w.add("rackup", spec.rackup).add("min", spec.min_workers).add("max", spec.max_workers);
  BodyWriter::Packer& queues = w.key("queues");
  queues.pack_array(static_cast<std::uint32_t>(spec.queues.size()));
  for (const PoolQueue& q : spec.queues) {
    BodyWriter item;
    item.add("name", q.name).add("weight", q.weight);
    w.append_packed(item.finish());
  }
  BodyWriter::Packer& kinds = w.key("kinds");
  kinds.pack_array(static_cast<std::uint32_t>(spec.kinds.size()));
  for (JobKind kind : spec.kinds) BodyWriter::pack_string(kinds, to_string(kind));
  w.add("memory_limit_mb", spec.memory_limit_mb).add("timeout_ms", spec.timeout_ms);
  w.add("generation", spec.generation);
  if (spec.cpu_limit_percent != 0) w.add("cpu_limit_percent", spec.cpu_limit_percent);
  if (spec.limit_grace_ms != 0) w.add("limit_grace_ms", spec.limit_grace_ms);
  return w.finish();
}

void read_pool_spec(MapReader& r, PoolSpec& spec) {
  r.read_name("name", spec.name);
  r.read_name("node", spec.node);
  r.read("dir", spec.dir);
  r.read_strings("require", spec.require_files, kMaxPoolItems);
  r.read("rackup", spec.rackup);
  r.read("min", spec.min_workers);
  r.read("max", spec.max_workers);
  if (const msgpack::object_array* queues = r.find_array("queues", kMaxPoolItems)) {
    spec.queues.resize(queues->size);
    for (std::uint32_t i = 0; i < queues->size && r.ok(); ++i) {
      MapReader item(queues->ptr[i], r.what(), r.item_path("queues", i));
      item.require("name");
      item.read_name("name", spec.queues[i].name);
      item.read("weight", spec.queues[i].weight);
      r.merge(item.finish());
    }
  }
  std::vector<std::string> kinds;
  r.read_strings("kinds", kinds, 16);
  spec.kinds.clear();
  for (std::size_t i = 0; i < kinds.size() && r.ok(); ++i) {
    JobKind kind{};
    if (!job_kind_from_string(kinds[i], kind)) {
      r.fail_at(r.item_path("kinds", i), "is not a job kind (ruby, http)");
      break;
    }
    spec.kinds.push_back(kind);
  }
  r.read("memory_limit_mb", spec.memory_limit_mb);
  r.read("timeout_ms", spec.timeout_ms);
  r.read("generation", spec.generation);
  r.read("cpu_limit_percent", spec.cpu_limit_percent);
  r.read("cpu_grace_ms", spec.limit_grace_ms);  // its name before memory limits used it too
  r.read("limit_grace_ms", spec.limit_grace_ms);
}

}  // namespace desaster::protocol
