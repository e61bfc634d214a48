// ReportBatch on a real libuv loop: reports added in one loop turn leave in
// one message right after that turn, a lone one as a plain "report", and
// close() sends what is still held.
#include <catch2/catch.hpp>

#include <uv.h>

#include <variant>
#include <vector>

#include "transport/loop/report_batch.hpp"
#include "transport/protocol/leased_job.hpp"
#include "transport/protocol/replies.hpp"

using desaster::ReportBatch;
namespace protocol = desaster::protocol;

namespace {

protocol::Report report(desaster::JobId id) {
  protocol::Report r;
  r.id = id;
  r.term = 3;
  r.attempt = 1;
  return r;
}

// The ids each sent message carried, in order; a "report" as one id.
struct Sent {
  std::vector<std::vector<desaster::JobId>> messages;
  std::vector<bool> single;  // sent as a "report", not "reports"

  void take(protocol::RequestBody body) {
    std::vector<desaster::JobId> ids;
    if (auto* one = std::get_if<protocol::Report>(&body)) {
      ids.push_back(one->id);
      single.push_back(true);
    } else if (auto* many = std::get_if<protocol::Reports>(&body)) {
      for (const protocol::Report& r : many->reports) ids.push_back(r.id);
      single.push_back(false);
    }
    messages.push_back(std::move(ids));
  }
};

struct Turn {
  ReportBatch* batch;
  std::vector<desaster::JobId> ids;
};

}  // namespace

TEST_CASE("reports held in one loop turn leave together after it", "[report_batch]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Sent sent;
  {
    ReportBatch batch(&loop, [&](protocol::RequestBody body) { sent.take(std::move(body)); });
    // Two turns, each a timer callback: three reports, then one. Without
    // the batch's idle handle the loop would block in poll after the
    // first timer; the second timer starts from inside the first.
    Turn first{&batch, {1, 2, 3}};
    Turn second{&batch, {4}};
    uv_timer_t t1;
    uv_timer_t t2;
    uv_timer_init(&loop, &t1);
    uv_timer_init(&loop, &t2);
    t1.data = &first;
    t2.data = &second;
    uv_timer_start(
        &t1,
        [](uv_timer_t* t) {
          auto* turn = static_cast<Turn*>(t->data);
          for (desaster::JobId id : turn->ids) turn->batch->add(report(id));
          CHECK(!turn->batch->empty());
        },
        0, 0);
    uv_timer_start(
        &t2,
        [](uv_timer_t* t) {
          auto* turn = static_cast<Turn*>(t->data);
          for (desaster::JobId id : turn->ids) turn->batch->add(report(id));
        },
        5, 0);
    uv_run(&loop, UV_RUN_DEFAULT);  // returns once nothing is active: both sent
    REQUIRE(sent.messages.size() == 2);
    CHECK(sent.messages[0] == std::vector<desaster::JobId>{1, 2, 3});
    CHECK_FALSE(sent.single[0]);
    CHECK(sent.messages[1] == std::vector<desaster::JobId>{4});
    CHECK(sent.single[1]);
    CHECK(batch.empty());

    // Held and not yet flushed: close() sends it.
    batch.add(report(5));
    batch.add(report(6));
    batch.close();
    REQUIRE(sent.messages.size() == 3);
    CHECK(sent.messages[2] == std::vector<desaster::JobId>{5, 6});
    // After close() a report goes at once.
    batch.add(report(7));
    REQUIRE(sent.messages.size() == 4);
    CHECK(sent.single[3]);
    uv_close(reinterpret_cast<uv_handle_t*>(&t1), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&t2), nullptr);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a flush before another message sends what is held first", "[report_batch]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Sent sent;
  {
    ReportBatch batch(&loop, [&](protocol::RequestBody body) { sent.take(std::move(body)); });
    batch.add(report(1));
    batch.add(report(2));
    batch.flush();
    REQUIRE(sent.messages.size() == 1);
    CHECK(sent.messages[0] == std::vector<desaster::JobId>{1, 2});
    uv_run(&loop, UV_RUN_NOWAIT);  // the check handle was stopped: nothing more goes
    CHECK(sent.messages.size() == 1);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a slim lease becomes the running job a worker runs", "[report_batch][protocol]") {
  protocol::SlimLease slim{42, 3, desaster::JobKind::ruby, "q", "NoopJob", "\x91\xa1x", 5000};
  desaster::Job job = protocol::leased_job(slim, 7);
  CHECK(job.id == 42);
  CHECK(job.attempts == 3);
  CHECK(job.kind == desaster::JobKind::ruby);
  CHECK(job.queue == "q");
  CHECK(job.job_class == "NoopJob");
  CHECK(job.payload == "\x91\xa1x");
  CHECK(job.timeout_ms == 5000);
  CHECK(job.state == desaster::JobState::running);
  CHECK(job.lease_term == 7);
}
