// What makes a queueing discipline configuration usable.
#include "core/qdisc/qdisc_config.hpp"

#include <array>
#include <map>

namespace desaster {

namespace {

constexpr std::array<const char*, kQdiscKinds> kKindNames{"fifo", "priority", "sfq", "htb"};

Status invalid(const std::string& where, const std::string& what) {
  return Status::error(ErrorCode::bad_request, "qdisc." + where + ": " + what);
}

std::string check_name(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxQdiscName) return "longer than " + std::to_string(kMaxQdiscName) + " bytes";
  return {};
}

Status validate_classes(const QdiscConfig& config, std::map<std::string, bool>& is_leaf) {
  if (config.classes.empty()) return invalid("classes", "htb needs at least one class");
  if (config.classes.size() > kMaxHtbClasses)
    return invalid("classes", "more than " + std::to_string(kMaxHtbClasses) + " classes");
  for (std::size_t i = 0; i < config.classes.size(); ++i) {
    const HtbClass& c = config.classes[i];
    std::string at = "classes[" + std::to_string(i) + "]";
    if (std::string e = check_name(c.name); !e.empty()) return invalid(at + ".name", e);
    if (is_leaf.count(c.name)) return invalid(at + ".name", "'" + c.name + "' is repeated");
    if (!c.parent.empty()) {
      auto parent = is_leaf.find(c.parent);
      if (parent == is_leaf.end())
        return invalid(at + ".parent", "no class '" + c.parent + "' before it");
      parent->second = false;
    }
    if (c.rate_milli > kMaxRateMilli) return invalid(at + ".rate_milli", "above a million jobs/s");
    if (c.ceil_milli > kMaxRateMilli) return invalid(at + ".ceil_milli", "above a million jobs/s");
    if (c.ceil_milli != 0 && c.ceil_milli < c.rate_milli)
      return invalid(at + ".ceil_milli", "below the rate");
    if (c.rate_milli == 0 && c.ceil_milli == 0)
      return invalid(at + ".ceil_milli", "a class with neither rate nor ceiling never runs a job");
    if (c.burst == 0 || c.burst > kMaxBurst)
      return invalid(at + ".burst", "must be 1 to " + std::to_string(kMaxBurst));
    if (c.cburst == 0 || c.cburst > kMaxBurst)
      return invalid(at + ".cburst", "must be 1 to " + std::to_string(kMaxBurst));
    is_leaf.emplace(c.name, true);
  }
  return Status::success();
}

Status check_leaf(const std::map<std::string, bool>& is_leaf, const std::string& where,
                  const std::string& name) {
  auto it = is_leaf.find(name);
  if (it == is_leaf.end()) return invalid(where, "no class '" + name + "'");
  if (!it->second) return invalid(where, "'" + name + "' has children; jobs go to leaves");
  return Status::success();
}

Status validate_htb(const QdiscConfig& config) {
  std::map<std::string, bool> is_leaf;
  if (Status s = validate_classes(config, is_leaf); !s.ok()) return s;
  if (config.rules.size() > kMaxHtbRules)
    return invalid("rules", "more than " + std::to_string(kMaxHtbRules) + " rules");
  for (std::size_t i = 0; i < config.rules.size(); ++i) {
    const HtbRule& r = config.rules[i];
    std::string at = "rules[" + std::to_string(i) + "]";
    for (const auto& [field, value] :
         {std::pair{".queue", &r.queue}, {".job_class", &r.job_class}, {".flow", &r.flow}}) {
      if (value->size() > kMaxQdiscName)
        return invalid(at + field, "longer than " + std::to_string(kMaxQdiscName) + " bytes");
    }
    if (Status s = check_leaf(is_leaf, at + ".target", r.target); !s.ok()) return s;
  }
  return check_leaf(is_leaf, "default_class", config.default_class);
}

}  // namespace

const char* to_string(QdiscKind kind) {
  auto i = static_cast<std::size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i] : "unknown";
}

bool qdisc_kind_from_string(std::string_view name, QdiscKind& out) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (name == kKindNames[i]) {
      out = static_cast<QdiscKind>(i);
      return true;
    }
  }
  return false;
}

Status validate(const QdiscConfig& config) {
  if (static_cast<std::uint32_t>(config.kind) >= kQdiscKinds)
    return invalid("kind", "unknown discipline");
  if (config.aging_ms > kMaxAgingMs)
    return invalid("aging_ms", "above " + std::to_string(kMaxAgingMs));
  if (config.quantum == 0 || config.quantum > kMaxQuantum)
    return invalid("quantum", "must be 1 to " + std::to_string(kMaxQuantum));
  if (config.kind == QdiscKind::htb) return validate_htb(config);
  if (!config.classes.empty() || !config.rules.empty() || !config.default_class.empty())
    return invalid("classes", "classes and rules belong to htb only");
  return Status::success();
}

}  // namespace desaster
