// fifo and priority: one ranked set each, keyed so that the set's order is
// the dispatch order. Neither has accounting: what they decide follows from
// the entries alone.
#include "core/qdisc/ordered_qdisc.hpp"

#include <algorithm>

#include "core/qdisc/order_statistics.hpp"
#include "core/qdisc/qdisc_accounting_codec.hpp"

namespace desaster {

namespace {

using qdisc_detail::RankedSet;

struct PriorityKey {
  std::int64_t score = 0;  // higher first
  std::uint64_t head_rank = 0;
  JobId id = 0;
};

struct PriorityOrder {
  bool operator()(const PriorityKey& a, const PriorityKey& b) const {
    if (a.score != b.score) return a.score > b.score;
    if (a.head_rank != b.head_rank) return a.head_rank > b.head_rank;
    return a.id < b.id;
  }
};

// |priority * aging_ms| < 2^62 and the clamped time < 2^61, so the score
// cannot overflow.
constexpr TimeMs kTimeBound = TimeMs{1} << 61;

struct FifoPolicy {
  using Key = qdisc_detail::FifoKey;
  using Order = qdisc_detail::FifoOrder;
  static constexpr QdiscKind kKind = QdiscKind::fifo;
  static Key key(const QdiscEntryView& e, const QdiscConfig&) { return qdisc_detail::fifo_key(e); }
};

struct PriorityPolicy {
  using Key = PriorityKey;
  using Order = PriorityOrder;
  static constexpr QdiscKind kKind = QdiscKind::priority;
  static Key key(const QdiscEntryView& e, const QdiscConfig& config) {
    std::int64_t score = e.priority;
    if (config.aging_ms != 0) {
      TimeMs since = std::clamp(e.ready_since, -kTimeBound, kTimeBound);
      score = std::int64_t{e.priority} * config.aging_ms - since;
    }
    return {score, e.head_rank, e.id};
  }
};

template <typename Policy>
class OrderedQdisc final : public Qdisc {
 public:
  explicit OrderedQdisc(const QdiscConfig& config) : Qdisc(config) {}

  QdiscKind kind() const override { return Policy::kKind; }

  void visit_plan(TimeMs, const PlanVisitor& visit) const override {
    for (const auto& key : order_) {
      if (visit(key.id) == PlanStep::stop) return;
    }
  }

  void on_dispatched(JobId, TimeMs) override {}

  std::string encode_accounting() const override {
    return qdisc_detail::encode_empty_accounting(kind());
  }
  Status decode_accounting(std::string_view bytes) override {
    return qdisc_detail::decode_empty_accounting(bytes, kind());
  }

  std::optional<Turn> turn_of(JobId id) const override {
    std::optional<QdiscEntryView> e = find(id);
    if (!e) return std::nullopt;
    auto rank = order_.order_of_key(Policy::key(*e, config()));
    return Turn{static_cast<double>(rank), rank, 0};
  }

 protected:
  void on_insert(const QdiscEntryView& e) override { order_.insert(Policy::key(e, config())); }
  void on_erase(const QdiscEntryView& e) override { order_.erase(Policy::key(e, config())); }

 private:
  RankedSet<typename Policy::Key, typename Policy::Order> order_;
};

}  // namespace

std::unique_ptr<Qdisc> make_fifo_qdisc(const QdiscConfig& config) {
  return std::make_unique<OrderedQdisc<FifoPolicy>>(config);
}

std::unique_ptr<Qdisc> make_priority_qdisc(const QdiscConfig& config) {
  return std::make_unique<OrderedQdisc<PriorityPolicy>>(config);
}

}  // namespace desaster
