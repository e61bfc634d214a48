// Hierarchical token buckets over jobs; see htb_qdisc.hpp.
#include "core/qdisc/htb_qdisc.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/qdisc/order_statistics.hpp"
#include "core/qdisc/qdisc_accounting_codec.hpp"
#include "core/qdisc/token_bucket.hpp"

namespace desaster {

namespace {

using qdisc_detail::FifoSet;
using qdisc_detail::kTokensPerJob;
using qdisc_detail::TokenBucket;

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr TimeMs kNever = std::numeric_limits<TimeMs>::min();

struct HtbNode {
  std::string name;
  std::size_t parent = kNone;
  bool leaf = true;
  std::int64_t rate = 0;  // tokens per ms
  std::int64_t ceil = 0;
  std::int64_t rate_cap = 0;  // tokens
  std::int64_t ceil_cap = 0;
  FifoSet jobs;  // leaves only
};

// The replicated part of a class.
struct ClassAccount {
  TokenBucket tokens;
  TokenBucket ctokens;
  std::uint64_t last_served = 0;

  bool operator==(const ClassAccount&) const = default;
};

enum class Mode : std::uint8_t {
  blocked,  // at its ceiling, or nothing to borrow from
  green,    // within its own rate
  yellow,   // borrowing from the ancestor `lender`
};

struct Eligibility {
  Mode mode = Mode::blocked;
  std::size_t lender = kNone;
};

class HtbQdisc final : public Qdisc {
 public:
  HtbQdisc(const QdiscConfig& config, std::string_view queue);

  QdiscKind kind() const override { return QdiscKind::htb; }
  void visit_plan(TimeMs now, const PlanVisitor& visit) const override;
  std::optional<TimeMs> next_eligible(TimeMs now) const override;
  void on_dispatched(JobId id, TimeMs now) override;
  std::string encode_accounting() const override;
  Status decode_accounting(std::string_view bytes) override;
  std::optional<Turn> turn_of(JobId id) const override;

 protected:
  void on_insert(const QdiscEntryView& e) override {
    nodes_[leaf_of(e)].jobs.insert(qdisc_detail::fifo_key(e));
  }
  void on_erase(const QdiscEntryView& e) override {
    nodes_[leaf_of(e)].jobs.erase(qdisc_detail::fifo_key(e));
  }

 private:
  using Accounts = std::vector<ClassAccount>;

  std::size_t leaf_of(const QdiscEntryView& e) const;
  void advance_all(Accounts& accounts, TimeMs now) const;
  Eligibility eligibility(const Accounts& accounts, std::size_t leaf) const;
  void charge(Accounts& accounts, std::size_t leaf, Eligibility how) const;
  // The leaf to serve next among those with jobs left (cursor != end).
  std::size_t choose(const Accounts& accounts, const std::vector<FifoSet::const_iterator>& cursors,
                     Eligibility& how) const;
  double guaranteed_rate(std::size_t leaf) const;
  double ceiling_rate(std::size_t leaf) const;

  std::string queue_;
  std::vector<HtbNode> nodes_;  // in config order: parents before children
  std::vector<std::size_t> leaves_;
  std::size_t default_leaf_ = 0;
  std::vector<std::size_t> rule_targets_;
  Accounts accounts_;
  std::uint64_t serve_counter_ = 0;
};

HtbQdisc::HtbQdisc(const QdiscConfig& config, std::string_view queue)
    : Qdisc(config), queue_(queue) {
  std::map<std::string_view, std::size_t> index;
  for (const HtbClass& c : config.classes) {
    HtbNode node;
    node.name = c.name;
    if (!c.parent.empty()) {
      node.parent = index.at(c.parent);
      nodes_[node.parent].leaf = false;
    }
    node.rate = static_cast<std::int64_t>(c.rate_milli);
    node.ceil = static_cast<std::int64_t>(c.ceil_milli == 0 ? c.rate_milli : c.ceil_milli);
    node.rate_cap = std::int64_t{c.burst} * kTokensPerJob;
    node.ceil_cap = std::int64_t{c.cburst} * kTokensPerJob;
    nodes_.push_back(std::move(node));
    index.emplace(c.name, nodes_.size() - 1);
  }
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].leaf) leaves_.push_back(i);
    accounts_.push_back({{nodes_[i].rate_cap, kNever}, {nodes_[i].ceil_cap, kNever}, 0});
  }
  default_leaf_ = index.at(config.default_class);
  for (const HtbRule& r : config.rules) rule_targets_.push_back(index.at(r.target));
}

std::size_t HtbQdisc::leaf_of(const QdiscEntryView& e) const {
  const auto& rules = config().rules;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (htb_field_matches(rules[i].queue, queue_) &&
        htb_field_matches(rules[i].job_class, e.job_class) &&
        htb_field_matches(rules[i].flow, e.flow)) {
      return rule_targets_[i];
    }
  }
  return default_leaf_;
}

void HtbQdisc::advance_all(Accounts& accounts, TimeMs now) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    qdisc_detail::advance(accounts[i].tokens, now, nodes_[i].rate, nodes_[i].rate_cap);
    qdisc_detail::advance(accounts[i].ctokens, now, nodes_[i].ceil, nodes_[i].ceil_cap);
  }
}

Eligibility HtbQdisc::eligibility(const Accounts& accounts, std::size_t leaf) const {
  if (accounts[leaf].ctokens.tokens < kTokensPerJob) return {};
  if (accounts[leaf].tokens.tokens >= kTokensPerJob) return {Mode::green, leaf};
  for (std::size_t a = nodes_[leaf].parent; a != kNone; a = nodes_[a].parent) {
    if (accounts[a].ctokens.tokens < kTokensPerJob) return {};
    if (accounts[a].tokens.tokens >= kTokensPerJob) return {Mode::yellow, a};
  }
  return {};
}

void HtbQdisc::charge(Accounts& accounts, std::size_t leaf, Eligibility how) const {
  // A forced charge (blocked) is charged as if the root lent: every bucket.
  bool at_or_above_lender = how.mode == Mode::green;
  for (std::size_t c = leaf; c != kNone; c = nodes_[c].parent) {
    if (c == how.lender || how.mode == Mode::blocked) at_or_above_lender = true;
    qdisc_detail::charge(accounts[c].ctokens);
    if (at_or_above_lender) qdisc_detail::charge(accounts[c].tokens);
  }
}

std::size_t HtbQdisc::choose(const Accounts& accounts,
                             const std::vector<FifoSet::const_iterator>& cursors,
                             Eligibility& how) const {
  std::size_t best = kNone;
  for (std::size_t i = 0; i < leaves_.size(); ++i) {
    std::size_t leaf = leaves_[i];
    if (cursors[i] == nodes_[leaf].jobs.end()) continue;
    Eligibility e = eligibility(accounts, leaf);
    if (e.mode == Mode::blocked) continue;
    bool better =
        best == kNone || (e.mode == Mode::green && how.mode == Mode::yellow) ||
        (e.mode == how.mode && accounts[leaf].last_served < accounts[leaves_[best]].last_served);
    if (better) {
      best = i;
      how = e;
    }
  }
  return best;
}

void HtbQdisc::visit_plan(TimeMs now, const PlanVisitor& visit) const {
  Accounts accounts = accounts_;
  advance_all(accounts, now);
  std::uint64_t counter = serve_counter_;
  std::vector<FifoSet::const_iterator> cursors;
  for (std::size_t leaf : leaves_) cursors.push_back(nodes_[leaf].jobs.begin());
  while (true) {
    Eligibility how;
    std::size_t i = choose(accounts, cursors, how);
    if (i == kNone) return;
    PlanStep step = visit(cursors[i]->id);
    if (step == PlanStep::stop) return;
    ++cursors[i];
    if (step == PlanStep::take) {
      charge(accounts, leaves_[i], how);
      accounts[leaves_[i]].last_served = ++counter;
    }
  }
}

std::optional<TimeMs> HtbQdisc::next_eligible(TimeMs now) const {
  Accounts accounts = accounts_;
  advance_all(accounts, now);
  auto when = [&](std::size_t c, bool rate) {
    return rate ? qdisc_detail::time_of_one_job(accounts[c].tokens, now, nodes_[c].rate)
                : qdisc_detail::time_of_one_job(accounts[c].ctokens, now, nodes_[c].ceil);
  };
  auto later = [](std::optional<TimeMs> a, std::optional<TimeMs> b) -> std::optional<TimeMs> {
    if (!a || !b) return std::nullopt;
    return std::max(*a, *b);
  };
  auto earlier = [](std::optional<TimeMs> a, std::optional<TimeMs> b) -> std::optional<TimeMs> {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
  };
  std::optional<TimeMs> best;
  for (std::size_t leaf : leaves_) {
    if (nodes_[leaf].jobs.empty()) continue;
    // Green: its own two buckets; yellow through ancestor a: the ceilings up
    // to a and a's rate. Buckets only fill as time passes, so the earliest of
    // these is when the leaf may go.
    std::optional<TimeMs> ceilings = when(leaf, false);
    std::optional<TimeMs> option = later(ceilings, when(leaf, true));
    for (std::size_t a = nodes_[leaf].parent; a != kNone; a = nodes_[a].parent) {
      ceilings = later(ceilings, when(a, false));
      option = earlier(option, later(ceilings, when(a, true)));
    }
    best = earlier(best, option);
  }
  return best;
}

void HtbQdisc::on_dispatched(JobId id, TimeMs now) {
  std::optional<QdiscEntryView> e = find(id);
  if (!e) return;
  std::size_t leaf = leaf_of(*e);
  for (std::size_t c = leaf; c != kNone; c = nodes_[c].parent) {
    qdisc_detail::advance(accounts_[c].tokens, now, nodes_[c].rate, nodes_[c].rate_cap);
    qdisc_detail::advance(accounts_[c].ctokens, now, nodes_[c].ceil, nodes_[c].ceil_cap);
  }
  charge(accounts_, leaf, eligibility(accounts_, leaf));
  accounts_[leaf].last_served = ++serve_counter_;
}

double HtbQdisc::ceiling_rate(std::size_t leaf) const {
  std::int64_t rate = nodes_[leaf].ceil;
  for (std::size_t a = nodes_[leaf].parent; a != kNone; a = nodes_[a].parent)
    rate = std::min(rate, nodes_[a].ceil);
  return static_cast<double>(rate) / 1000.0;  // tokens per ms -> jobs per s
}

double HtbQdisc::guaranteed_rate(std::size_t leaf) const {
  double own = static_cast<double>(nodes_[leaf].rate) / 1000.0;
  return own > 0 ? std::min(own, ceiling_rate(leaf)) : ceiling_rate(leaf);
}

// A fair estimate from the classes' rates: while the job's leaf f takes its
// k+1 jobs, another backlogged leaf g takes about (k+1) * rate_g / rate_f of
// its n_g. With other leaves busy, f runs at its guaranteed rate; alone, it
// may borrow up to the lowest ceiling on its path. A class without a rate of
// its own counts at its ceiling (optimistic).
std::optional<Turn> HtbQdisc::turn_of(JobId id) const {
  std::optional<QdiscEntryView> e = find(id);
  if (!e) return std::nullopt;
  std::size_t f = leaf_of(*e);
  std::uint64_t k = nodes_[f].jobs.order_of_key(qdisc_detail::fifo_key(*e));
  double own = guaranteed_rate(f);
  double ahead = static_cast<double>(k);
  bool others_busy = false;
  for (std::size_t leaf : leaves_) {
    if (leaf == f || nodes_[leaf].jobs.empty()) continue;
    others_busy = true;
    double share = static_cast<double>(k + 1) * guaranteed_rate(leaf) / own;
    ahead += std::min(static_cast<double>(nodes_[leaf].jobs.size()), std::ceil(share));
  }
  return Turn{ahead, k, others_busy ? own : ceiling_rate(f)};
}

// Body: [serve_counter, [[name, tokens, tokens_updated, ctokens,
// ctokens_updated, last_served] per class, in configuration order]].
std::string HtbQdisc::encode_accounting() const {
  return qdisc_detail::encode_accounting(kind(), [&](qdisc_detail::Packer& pk) {
    pk.pack_array(2);
    pk.pack(serve_counter_);
    pk.pack_array(static_cast<std::uint32_t>(nodes_.size()));
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const ClassAccount& a = accounts_[i];
      pk.pack_array(6);
      codec::pack_string(pk, nodes_[i].name);
      pk.pack(a.tokens.tokens);
      pk.pack(a.tokens.updated);
      pk.pack(a.ctokens.tokens);
      pk.pack(a.ctokens.updated);
      pk.pack(a.last_served);
    }
  });
}

Status HtbQdisc::decode_accounting(std::string_view bytes) {
  return qdisc_detail::decode_accounting(
      bytes, kind(), [&](const msgpack::object& o, const codec::Path& p) {
        codec::Fields f(o, p, 2);
        std::uint64_t counter = f.u64(0, "serve_counter");
        codec::Path cp = f.path("classes");
        const auto& classes = codec::read_array(f[1], cp);
        if (classes.size != nodes_.size()) {
          codec::fail(cp, std::to_string(classes.size) + " classes, but the configuration has " +
                              std::to_string(nodes_.size()));
        }
        Accounts accounts;
        for (std::uint32_t i = 0; i < classes.size; ++i) {
          codec::Fields c(classes.ptr[i], cp.at(i), 6);
          if (std::string name = c.string(0, "name"); name != nodes_[i].name)
            codec::fail(c.path("name"), "'" + name + "', expected '" + nodes_[i].name + "'");
          ClassAccount a;
          a.tokens = {c.i64(1, "tokens"), c.i64(2, "tokens_updated")};
          a.ctokens = {c.i64(3, "ctokens"), c.i64(4, "ctokens_updated")};
          a.last_served = c.u64(5, "last_served");
          if (a.tokens.tokens > nodes_[i].rate_cap)
            codec::fail(c.path("tokens"), "above the burst");
          if (a.ctokens.tokens > nodes_[i].ceil_cap)
            codec::fail(c.path("ctokens"), "above the cburst");
          if (a.tokens.tokens < qdisc_detail::kMaxDebt || a.ctokens.tokens < qdisc_detail::kMaxDebt)
            codec::fail(cp.at(i), "a debt beyond the bound");
          if (a.last_served > counter)
            codec::fail(c.path("last_served"), "above the serve counter");
          accounts.push_back(a);
        }
        accounts_ = std::move(accounts);
        serve_counter_ = counter;
      });
}

}  // namespace

bool htb_field_matches(std::string_view pattern, std::string_view value) {
  if (pattern.empty()) return true;
  if (pattern.back() == '*')
    return value.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  return pattern == value;
}

std::unique_ptr<Qdisc> make_htb_qdisc(const QdiscConfig& config, std::string_view queue) {
  return std::make_unique<HtbQdisc>(config, queue);
}

}  // namespace desaster
