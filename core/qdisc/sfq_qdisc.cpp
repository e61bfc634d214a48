// Deficit round robin over flows; see sfq_qdisc.hpp.
#include "core/qdisc/sfq_qdisc.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "core/qdisc/order_statistics.hpp"
#include "core/qdisc/qdisc_accounting_codec.hpp"

namespace desaster {

namespace {

using qdisc_detail::FifoSet;

struct Flow {
  FifoSet jobs;
  std::uint64_t seq = 0;  // its place in the ring
};

using FlowMap = std::map<std::string, Flow, std::less<>>;

class SfqQdisc final : public Qdisc {
 public:
  explicit SfqQdisc(const QdiscConfig& config) : Qdisc(config) {}

  QdiscKind kind() const override { return QdiscKind::sfq; }

  void visit_plan(TimeMs now, const PlanVisitor& visit) const override;
  void on_dispatched(JobId id, TimeMs now) override;
  std::string encode_accounting() const override;
  Status decode_accounting(std::string_view bytes) override;
  std::optional<Turn> turn_of(JobId id) const override;

 protected:
  void on_insert(const QdiscEntryView& e) override;
  void on_erase(const QdiscEntryView& e) override;

 private:
  // A flow's turn during a simulated plan.
  struct Visit {
    FlowMap::const_iterator flow;
    FifoSet::const_iterator next;
    std::uint32_t deficit = 0;
  };

  void to_back(FlowMap::iterator flow);
  std::uint32_t quantum() const { return config().quantum; }

  FlowMap flows_;                                    // flows holding jobs
  std::map<std::uint64_t, FlowMap::iterator> ring_;  // by seq; the front's turn is on
  std::uint64_t next_seq_ = 0;
  // Jobs the front flow may still take in the turn it has begun; 0: its
  // turn has not begun.
  std::uint32_t front_deficit_ = 0;
};

void SfqQdisc::on_insert(const QdiscEntryView& e) {
  auto it = flows_.find(e.flow);
  if (it == flows_.end()) {
    it = flows_.emplace(std::string(e.flow), Flow{}).first;
    it->second.seq = next_seq_++;
    ring_.emplace(it->second.seq, it);
  }
  it->second.jobs.insert(qdisc_detail::fifo_key(e));
}

void SfqQdisc::on_erase(const QdiscEntryView& e) {
  auto it = flows_.find(e.flow);
  it->second.jobs.erase(qdisc_detail::fifo_key(e));
  if (!it->second.jobs.empty()) return;
  if (ring_.begin()->second == it) front_deficit_ = 0;
  ring_.erase(it->second.seq);
  flows_.erase(it);
}

void SfqQdisc::to_back(FlowMap::iterator flow) {
  ring_.erase(flow->second.seq);
  flow->second.seq = next_seq_++;
  ring_.emplace(flow->second.seq, flow);
}

void SfqQdisc::on_dispatched(JobId id, TimeMs) {
  std::optional<QdiscEntryView> e = find(id);
  if (!e) return;
  auto flow = flows_.find(e->flow);
  if (ring_.begin()->second != flow) {
    to_back(flow);  // served out of turn: that was its turn for this round
    return;
  }
  if (front_deficit_ == 0) front_deficit_ = quantum();
  if (--front_deficit_ == 0) to_back(flow);
}

// Walks the real ring once from the front; a flow that still has jobs after
// its turn continues in a small queue of simulated turns behind the ring,
// which is exactly where on_dispatched would have moved it.
void SfqQdisc::visit_plan(TimeMs, const PlanVisitor& visit) const {
  std::deque<Visit> behind;
  auto ring_it = ring_.begin();
  while (true) {
    Visit turn;
    if (ring_it != ring_.end()) {
      FlowMap::const_iterator flow = ring_it->second;
      turn = {flow, flow->second.jobs.begin(), ring_it == ring_.begin() ? front_deficit_ : 0};
      ++ring_it;
    } else if (!behind.empty()) {
      turn = behind.front();
      behind.pop_front();
    } else {
      return;
    }
    if (turn.deficit == 0) turn.deficit = quantum();
    const FifoSet& jobs = turn.flow->second.jobs;
    while (turn.deficit > 0 && turn.next != jobs.end()) {
      PlanStep step = visit(turn.next->id);
      if (step == PlanStep::stop) return;
      ++turn.next;
      if (step == PlanStep::take) --turn.deficit;
    }
    if (turn.next != jobs.end()) behind.push_back(turn);
  }
}

// A fair estimate: the job is the (k+1)-th of its flow, so its flow needs
// ceil((k+1)/quantum) turns, and in that many rounds every other flow g
// takes min(n_g, turns * quantum) jobs. Where the current round stands is
// ignored, so the estimate may be off by one turn per flow.
std::optional<Turn> SfqQdisc::turn_of(JobId id) const {
  std::optional<QdiscEntryView> e = find(id);
  if (!e) return std::nullopt;
  auto flow = flows_.find(e->flow);
  std::uint64_t k = flow->second.jobs.order_of_key(qdisc_detail::fifo_key(*e));
  std::uint64_t turns = k / quantum() + 1;
  std::uint64_t share = turns * quantum();
  double ahead = static_cast<double>(k);
  for (auto it = flows_.begin(); it != flows_.end(); ++it) {
    if (it != flow)
      ahead += static_cast<double>(std::min<std::uint64_t>(it->second.jobs.size(), share));
  }
  return Turn{ahead, k, 0};
}

// Body: [front_deficit, [flow names, front first]].
std::string SfqQdisc::encode_accounting() const {
  return qdisc_detail::encode_accounting(kind(), [&](qdisc_detail::Packer& pk) {
    pk.pack_array(2);
    pk.pack(front_deficit_);
    pk.pack_array(static_cast<std::uint32_t>(ring_.size()));
    for (const auto& [seq, flow] : ring_) codec::pack_string(pk, flow->first);
  });
}

Status SfqQdisc::decode_accounting(std::string_view bytes) {
  return qdisc_detail::decode_accounting(
      bytes, kind(), [&](const msgpack::object& o, const codec::Path& p) {
        codec::Fields f(o, p, 2);
        std::uint32_t deficit = f.u32(0, "front_deficit");
        if (deficit >= quantum())
          codec::fail(f.path("front_deficit"),
                      "not below the quantum " + std::to_string(quantum()));
        codec::Path rp = f.path("ring");
        const auto& names = codec::read_array(f[1], rp);
        if (names.size != flows_.size()) {
          codec::fail(rp, std::to_string(names.size) + " flows, but " +
                              std::to_string(flows_.size()) + " hold jobs");
        }
        if (names.size == 0 && deficit != 0)
          codec::fail(f.path("front_deficit"), "no flow holds jobs");
        std::vector<FlowMap::iterator> order;
        std::set<std::string_view> seen;
        for (std::uint32_t i = 0; i < names.size; ++i) {
          std::string_view name = codec::read_bytes(names.ptr[i], rp.at(i));
          auto it = flows_.find(name);
          if (it == flows_.end())
            codec::fail(rp.at(i), "no jobs of flow '" + std::string(name) + "'");
          if (!seen.insert(name).second)
            codec::fail(rp.at(i), "flow '" + std::string(name) + "' is repeated");
          order.push_back(it);
        }
        ring_.clear();
        next_seq_ = 0;
        for (FlowMap::iterator it : order) {
          it->second.seq = next_seq_++;
          ring_.emplace(it->second.seq, it);
        }
        front_deficit_ = deficit;
      });
}

}  // namespace

std::unique_ptr<Qdisc> make_sfq_qdisc(const QdiscConfig& config) {
  return std::make_unique<SfqQdisc>(config);
}

}  // namespace desaster
