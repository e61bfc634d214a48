// The "qdisc" request and reply as named msgpack maps; see qdisc_wire.hpp.
#include "transport/protocol/qdisc_wire.hpp"

#include <array>

namespace desaster::protocol {

namespace {

constexpr const char* kReplyWhat = "reply body";
constexpr std::array<const char*, 2> kActionNames{"show", "set"};

const char* to_string(QdiscAction action) {
  return kActionNames.at(static_cast<std::size_t>(action));
}

bool action_from_string(std::string_view name, QdiscAction& out) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (name == kActionNames[i]) {
      out = static_cast<QdiscAction>(i);
      return true;
    }
  }
  return false;
}

// Reads a map-valued field with its own strict reader.
template <typename Read>
void read_nested(MapReader& r, std::string_view key, Read read) {
  const msgpack::object* obj = r.find(key);
  if (obj == nullptr || !r.ok()) return;
  MapReader item(*obj, r.what(), r.field_path(key));
  read(item);
  r.merge(item.finish());
}

}  // namespace

std::string encode_qdisc_config_map(const QdiscConfig& c) {
  BodyWriter w;
  w.add("kind", desaster::to_string(c.kind)).add("aging_ms", c.aging_ms).add("quantum", c.quantum);
  BodyWriter::Packer& classes = w.key("classes");
  classes.pack_array(static_cast<std::uint32_t>(c.classes.size()));
  for (const HtbClass& k : c.classes) {
    BodyWriter item;
    item.add("name", k.name).add("parent", k.parent).add("rate_milli", k.rate_milli);
    item.add("ceil_milli", k.ceil_milli).add("burst", k.burst).add("cburst", k.cburst);
    w.append_packed(item.finish());
  }
  BodyWriter::Packer& rules = w.key("rules");
  rules.pack_array(static_cast<std::uint32_t>(c.rules.size()));
  for (const HtbRule& rule : c.rules) {
    BodyWriter item;
    item.add("queue", rule.queue).add("class", rule.job_class).add("flow", rule.flow);
    item.add("target", rule.target);
    w.append_packed(item.finish());
  }
  w.add("default_class", c.default_class);
  return w.finish();
}

void read_qdisc_config_map(MapReader& r, QdiscConfig& c) {
  r.require("kind");
  r.read_enum("kind", c.kind, qdisc_kind_from_string);
  r.read("aging_ms", c.aging_ms);
  r.read("quantum", c.quantum);
  if (const msgpack::object_array* classes = r.find_array("classes", kMaxHtbClasses)) {
    c.classes.resize(classes->size);
    for (std::uint32_t i = 0; i < classes->size && r.ok(); ++i) {
      MapReader item(classes->ptr[i], r.what(), r.item_path("classes", i));
      HtbClass& k = c.classes[i];
      item.require("name");
      item.read("name", k.name);
      item.read("parent", k.parent);
      item.read("rate_milli", k.rate_milli);
      item.read("ceil_milli", k.ceil_milli);
      item.read("burst", k.burst);
      item.read("cburst", k.cburst);
      r.merge(item.finish());
    }
  }
  if (const msgpack::object_array* rules = r.find_array("rules", kMaxHtbRules)) {
    c.rules.resize(rules->size);
    for (std::uint32_t i = 0; i < rules->size && r.ok(); ++i) {
      MapReader item(rules->ptr[i], r.what(), r.item_path("rules", i));
      HtbRule& rule = c.rules[i];
      item.require("target");
      item.read("queue", rule.queue);
      item.read("class", rule.job_class);
      item.read("flow", rule.flow);
      item.read("target", rule.target);
      r.merge(item.finish());
    }
  }
  r.read("default_class", c.default_class);
}

void write_qdisc_command(BodyWriter& w, const QdiscCommand& b) {
  w.add("action", to_string(b.action)).add("queue", b.queue);
  if (b.config) w.add_packed("config", encode_qdisc_config_map(*b.config));
}

void read_qdisc_command(MapReader& r, QdiscCommand& b) {
  r.require("action");
  r.require("queue");
  r.read_enum("action", b.action, action_from_string);
  r.read("queue", b.queue);
  read_nested(r, "config", [&](MapReader& item) {
    QdiscConfig config;
    read_qdisc_config_map(item, config);
    b.config = std::move(config);
  });
  if (r.ok() && b.action == QdiscAction::set && !b.config) r.require("config");
}

std::string encode_body(const QdiscReply& b) {
  BodyWriter w;
  w.add("queue", b.queue).add_packed("config", encode_qdisc_config_map(b.config));
  w.add("jobs", b.jobs).add("running", b.running).add("workers", b.workers);
  if (b.next_eligible) w.add("next_eligible_ms", *b.next_eligible);
  if (!b.accounting.empty()) w.add_packed("accounting", b.accounting);
  return w.finish();
}

Status decode_body(std::string_view bytes, QdiscReply& out) {
  Result<msgpack::object_handle> unpacked = codec::unpack_bounded(bytes, kReplyWhat);
  if (!unpacked.ok()) return unpacked.status();
  MapReader r(unpacked->get(), kReplyWhat);
  QdiscReply b;
  r.require("queue");
  r.require("config");
  r.read("queue", b.queue);
  if (const msgpack::object* config = r.find("config"); config && r.ok()) {
    MapReader item(*config, kReplyWhat, r.field_path("config"));
    read_qdisc_config_map(item, b.config);
    r.merge(item.status());  // a newer node may add fields
  }
  r.read("jobs", b.jobs);
  r.read("running", b.running);
  r.read("workers", b.workers);
  if (r.find("next_eligible_ms")) {
    TimeMs t = 0;
    r.read("next_eligible_ms", t);
    b.next_eligible = t;
  }
  if (const msgpack::object* accounting = r.find("accounting")) {
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, *accounting);
    b.accounting.assign(buffer.data(), buffer.size());
  }
  if (!r.ok()) return r.status();
  out = std::move(b);
  return Status::success();
}

}  // namespace desaster::protocol
