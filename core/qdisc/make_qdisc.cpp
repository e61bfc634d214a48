// The factory, and switching a queue's discipline without losing a job.
#include "core/qdisc/htb_qdisc.hpp"
#include "core/qdisc/ordered_qdisc.hpp"
#include "core/qdisc/qdisc.hpp"
#include "core/qdisc/sfq_qdisc.hpp"

namespace desaster {

Result<std::unique_ptr<Qdisc>> make_qdisc(const QdiscConfig& config, std::string_view queue) {
  if (Status s = validate(config); !s.ok()) return s;
  switch (config.kind) {
    case QdiscKind::fifo:
      return make_fifo_qdisc(config);
    case QdiscKind::priority:
      return make_priority_qdisc(config);
    case QdiscKind::sfq:
      return make_sfq_qdisc(config);
    case QdiscKind::htb:
      return make_htb_qdisc(config, queue);
  }
  return Status::error(ErrorCode::bad_request, "qdisc.kind: unknown discipline");
}

Result<std::unique_ptr<Qdisc>> switch_qdisc(const Qdisc& old, const QdiscConfig& config,
                                            std::string_view queue) {
  Result<std::unique_ptr<Qdisc>> fresh = make_qdisc(config, queue);
  if (!fresh.ok()) return fresh;
  for (QdiscEntry& e : old.entries_by_id()) {
    if (Status s = (*fresh)->insert(std::move(e)); !s.ok())
      return s;  // cannot happen: ids are unique
  }
  return fresh;
}

}  // namespace desaster
