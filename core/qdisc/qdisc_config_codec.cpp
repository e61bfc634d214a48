// QdiscConfig as positional msgpack; see qdisc_config_codec.hpp.
#include "core/qdisc/qdisc_config_codec.hpp"

namespace desaster {

namespace codec {

namespace {

constexpr std::size_t kConfigFields = 7;
constexpr std::size_t kClassFields = 6;
constexpr std::size_t kRuleFields = 4;

const msgpack::object_array& read_bounded_array(const msgpack::object& o, const Path& p,
                                                std::size_t max) {
  const auto& array = read_array(o, p);
  if (array.size > max) fail(p, "more than " + std::to_string(max) + " elements");
  return array;
}

HtbClass read_class(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kClassFields);
  HtbClass c;
  c.name = f.string(0, "name");
  c.parent = f.string(1, "parent");
  c.rate_milli = f.u64(2, "rate_milli");
  c.ceil_milli = f.u64(3, "ceil_milli");
  c.burst = f.u32(4, "burst");
  c.cburst = f.u32(5, "cburst");
  return c;
}

HtbRule read_rule(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kRuleFields);
  return HtbRule{f.string(0, "queue"), f.string(1, "job_class"), f.string(2, "flow"),
                 f.string(3, "target")};
}

}  // namespace

void pack_qdisc_config(msgpack::packer<msgpack::sbuffer>& pk, const QdiscConfig& config) {
  pk.pack_array(kConfigFields);
  pk.pack(kQdiscConfigVersion);
  pk.pack(static_cast<std::uint32_t>(config.kind));
  pk.pack(config.aging_ms);
  pk.pack(config.quantum);
  pk.pack_array(static_cast<std::uint32_t>(config.classes.size()));
  for (const HtbClass& c : config.classes) {
    pk.pack_array(kClassFields);
    pack_string(pk, c.name);
    pack_string(pk, c.parent);
    pk.pack(c.rate_milli);
    pk.pack(c.ceil_milli);
    pk.pack(c.burst);
    pk.pack(c.cburst);
  }
  pk.pack_array(static_cast<std::uint32_t>(config.rules.size()));
  for (const HtbRule& r : config.rules) {
    pk.pack_array(kRuleFields);
    pack_string(pk, r.queue);
    pack_string(pk, r.job_class);
    pack_string(pk, r.flow);
    pack_string(pk, r.target);
  }
  pack_string(pk, config.default_class);
}

QdiscConfig read_qdisc_config(const msgpack::object& o, const Path& p) {
  Fields f(o, p, kConfigFields);
  std::uint32_t version = f.u32(0, "version");
  if (version != kQdiscConfigVersion)
    fail(f.path("version"), "unsupported version " + std::to_string(version));
  QdiscConfig config;
  config.kind = f.enumeration<QdiscKind>(1, "kind", kQdiscKinds);
  config.aging_ms = f.u32(2, "aging_ms");
  config.quantum = f.u32(3, "quantum");
  Path cp = f.path("classes");
  const auto& classes = read_bounded_array(f[4], cp, kMaxHtbClasses);
  for (std::uint32_t i = 0; i < classes.size; ++i)
    config.classes.push_back(read_class(classes.ptr[i], cp.at(i)));
  Path rp = f.path("rules");
  const auto& rules = read_bounded_array(f[5], rp, kMaxHtbRules);
  for (std::uint32_t i = 0; i < rules.size; ++i)
    config.rules.push_back(read_rule(rules.ptr[i], rp.at(i)));
  config.default_class = f.string(6, "default_class");
  // validate() names fields from "qdisc."; the path before that is ours.
  if (Status s = validate(config); !s.ok()) {
    if (p.parent == nullptr && p.name == "qdisc") fail(Path{}, s.message);
    fail(p, s.message);
  }
  return config;
}

}  // namespace codec

std::string encode_qdisc_config(const QdiscConfig& config) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  codec::pack_qdisc_config(pk, config);
  return std::string(buffer.data(), buffer.size());
}

Result<QdiscConfig> decode_qdisc_config(std::string_view bytes) {
  Result<msgpack::object_handle> handle = codec::unpack_bounded(bytes, "qdisc", ErrorCode::corrupt);
  if (!handle.ok()) return handle.status();
  try {
    return codec::read_qdisc_config(handle->get(), codec::Path{nullptr, "qdisc"});
  } catch (const codec::DecodeError& e) {
    return Status::error(ErrorCode::corrupt, e.message);
  }
}

}  // namespace desaster
