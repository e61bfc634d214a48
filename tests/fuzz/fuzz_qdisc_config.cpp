// The qdisc decoders on arbitrary bytes: decode_qdisc_config and each
// discipline's decode_accounting never crash, every refusal says why, and
// whatever they accept encodes back to itself (and still plans).
// The first byte picks the decoder: 0-3 the accounting of fifo, priority,
// sfq or htb (holding a few jobs of two flows); anything else the config.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/qdisc/qdisc.hpp"
#include "core/qdisc/qdisc_config_codec.hpp"

using namespace desaster;

namespace {

QdiscConfig config_for(QdiscKind kind) {
  QdiscConfig c;
  c.kind = kind;
  if (kind == QdiscKind::sfq) c.quantum = 3;
  if (kind == QdiscKind::htb) {
    c.classes = {HtbClass{"root", "", 20'000, 0, 2, 2}, HtbClass{"a", "root", 10'000, 15'000, 1, 1},
                 HtbClass{"b", "root", 10'000, 20'000, 1, 1}};
    c.rules = {HtbRule{"", "", "a", "a"}};
    c.default_class = "b";
  }
  return c;
}

void fuzz_accounting(QdiscKind kind, std::string_view input) {
  Result<std::unique_ptr<Qdisc>> made = make_qdisc(config_for(kind), "q");
  if (!made.ok()) std::abort();
  Qdisc& q = **made;
  for (JobId id = 1; id <= 6; ++id) {
    QdiscEntry e{id,    static_cast<std::int32_t>(id % 2), id % 3 ? "a" : "b",
                 "Job", static_cast<TimeMs>(id),           0};
    if (!q.insert(e).ok()) std::abort();
  }
  Status s = q.decode_accounting(input);
  if (!s.ok()) {
    if (s.message.empty()) std::abort();
    return;
  }
  std::string encoded = q.encode_accounting();
  if (!q.decode_accounting(encoded).ok() || q.encode_accounting() != encoded) std::abort();
  if (q.plan(1000, 10) != q.plan(1000, 10)) std::abort();
  q.next_eligible(1000);
  for (JobId id : q.plan(1000, 10)) {
    q.on_dispatched(id, 1000);
    q.erase(id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] < kQdiscKinds) {
    fuzz_accounting(static_cast<QdiscKind>(data[0]), input);
    return 0;
  }
  Result<QdiscConfig> config = decode_qdisc_config(input);
  if (!config.ok()) {
    if (config.status().message.empty()) std::abort();
    return 0;
  }
  std::string encoded = encode_qdisc_config(*config);
  Result<QdiscConfig> again = decode_qdisc_config(encoded);
  if (!again.ok() || !(*again == *config) || encode_qdisc_config(*again) != encoded) std::abort();
  if (!make_qdisc(*config, "q").ok()) std::abort();  // decoding validated it
  return 0;
}
