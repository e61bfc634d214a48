// htb: rates, ceilings and borrowing over a simulated clock; rules.
#include <catch2/catch.hpp>

#include "core/qdisc/htb_qdisc.hpp"
#include "tests/unit/qdisc_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

constexpr TimeMs kMinute = 60'000;

// Enough jobs in flow "a" and "b" to stay busy for the minute.
void fill(Qdisc& q, bool a, bool b) {
  JobId id = 0;
  for (int i = 0; i < 3000; ++i) {
    ++id;
    if (a) REQUIRE(q.insert(qentry(id, "a")).ok());
    ++id;
    if (b) REQUIRE(q.insert(qentry(id, "b")).ok());
  }
}

}  // namespace

TEST_CASE(
    "an htb class at rate 10/s gets 10/s +- 1 over a simulated minute while its sibling is busy",
    "[qdisc][htb]") {
  auto q = make(two_leaf_htb(20, 10, 15, 10, 20));
  fill(*q, true, true);
  auto counts = run_clock(*q, 1'000'000, 1'000'000 + kMinute);
  CHECK(counts["a"] / 60.0 == Approx(10).margin(1));
  CHECK(counts["b"] / 60.0 == Approx(10).margin(1));
}

TEST_CASE("an htb class borrows up to its ceiling when its sibling is idle", "[qdisc][htb]") {
  SECTION("a's ceiling 15/s is below what the parent could lend") {
    auto q = make(two_leaf_htb(20, 10, 15, 10, 20));
    fill(*q, true, false);
    auto counts = run_clock(*q, 0, kMinute);
    CHECK(counts["a"] / 60.0 == Approx(15).margin(1));
  }
  SECTION("b's ceiling 25/s is above the parent's 20/s, so the parent's rate caps it") {
    auto q = make(two_leaf_htb(20, 10, 15, 10, 25));
    fill(*q, false, true);
    auto counts = run_clock(*q, 0, kMinute);
    CHECK(counts["b"] / 60.0 == Approx(20).margin(1));
  }
}

TEST_CASE("an htb class without a ceiling above its rate never borrows", "[qdisc][htb]") {
  auto q = make(two_leaf_htb(20, 5, 0, 10, 0));
  fill(*q, true, false);
  auto counts = run_clock(*q, 0, kMinute);
  CHECK(counts["a"] / 60.0 == Approx(5).margin(0.5));
}

TEST_CASE("htb says when a throttled class may dispatch again", "[qdisc][htb]") {
  auto q = make(two_leaf_htb(10, 10, 10, 10, 10));  // 1 job per 100 ms
  insert_all(*q, {qentry(1, "a"), qentry(2, "a")});
  CHECK(q->next_eligible(1000) == 1000);
  CHECK(drain(*q, 1000, 5) == std::vector<JobId>{1});  // a bucket of one job, spent
  CHECK(q->plan(1050, 5).empty());
  CHECK(q->next_eligible(1050) == 1100);
  CHECK(q->plan(1100, 5) == std::vector<JobId>{2});
  REQUIRE(q->erase(2));
  CHECK_FALSE(q->next_eligible(1100));
}

TEST_CASE("htb rules map jobs by queue, class and flow, unmatched jobs go to the default class",
          "[qdisc][htb]") {
  QdiscConfig c = qconfig(QdiscKind::htb);
  c.classes = {htb_class("root", "", 100), htb_class("mail", "root", 1),
               htb_class("vip", "root", 1), htb_class("other", "root", 1),
               htb_class("elsewhere", "root", 1)};
  c.rules = {HtbRule{"q", "Mail*", "", "mail"}, HtbRule{"", "", "customer-1", "vip"},
             HtbRule{"not-q", "", "", "elsewhere"}};
  c.default_class = "other";
  auto q = make(c, "q");
  insert_all(*q, {qentry(1, "x", 0, 0, 0, "MailJob"), qentry(2, "customer-1"), qentry(3, "x"),
                  qentry(4, "customer-1", 0, 0, 0, "Mailer")});
  // Each leaf holds one job a second; the first dispatches tell which leaf each is in.
  CHECK(q->plan(0, 10) == std::vector<JobId>{1, 2, 3});  // 4 waits behind 1 in "mail"
  CHECK(htb_field_matches("", "anything"));
  CHECK(htb_field_matches("mail:*", "mail:high"));
  CHECK_FALSE(htb_field_matches("mail:*", "mai"));
  CHECK(htb_field_matches("*", ""));
  CHECK_FALSE(htb_field_matches("mail", "mail:high"));
}

TEST_CASE("htb estimates a job's turn from its class's rate", "[qdisc][htb]") {
  auto q = make(two_leaf_htb(30, 10, 30, 20, 30));
  for (JobId id = 1; id <= 10; ++id) REQUIRE(q->insert(qentry(id, "a")).ok());
  std::optional<Turn> alone = q->turn_of(5);
  REQUIRE(alone);
  CHECK(alone->own_ahead == 4);
  CHECK(alone->jobs_ahead == 4);
  CHECK(alone->shaped_rate == 30);  // alone it may borrow up to its ceiling
  for (JobId id = 11; id <= 30; ++id) REQUIRE(q->insert(qentry(id, "b")).ok());
  std::optional<Turn> shared = q->turn_of(5);
  CHECK(shared->shaped_rate == 10);     // its own rate while b is busy
  CHECK(shared->jobs_ahead == 4 + 10);  // b, at twice the rate, takes 2 per job of a
}
