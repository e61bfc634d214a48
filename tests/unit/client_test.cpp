// The client library against a fake node (fake_node.hpp): requests go out as
// the protocol says, replies and pushes come back as the library's types.
#include <catch2/catch.hpp>

#include <atomic>

#include "tests/unit/fake_node.hpp"
#include "transport/client/client.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/replies.hpp"

using namespace desaster;
using namespace desaster::protocol;
using namespace std::chrono_literals;
using desaster::transport_test::Answer;
using desaster::transport_test::FakeNode;

namespace {

std::unique_ptr<Client> connect_to(const FakeNode& node, std::chrono::milliseconds timeout = 5s) {
  ClientOptions options;
  options.endpoint = node.endpoint();
  options.timeout = timeout;
  options.name = "test-client";
  Result<std::unique_ptr<Client>> client = Client::connect(options);
  INFO(client.status().message);
  REQUIRE(client.ok());
  return std::move(client.value());
}

std::unique_ptr<Worker> worker_for(const FakeNode& node) {
  WorkerOptions options;
  options.endpoint = node.endpoint();
  options.name = "w-1";
  options.queues = {"mail", "video"};
  options.slots = 2;
  Result<std::unique_ptr<Worker>> worker = Worker::connect(options);
  INFO(worker.status().message);
  REQUIRE(worker.ok());
  return std::move(worker.value());
}

Job leased_job(JobId id, std::uint32_t attempts) {
  Job job;
  job.id = id;
  job.queue = "mail";
  job.state = JobState::running;
  job.attempts = attempts;
  job.payload = "args";
  return job;
}

}  // namespace

TEST_CASE("connect says hello with the client's name", "[client]") {
  FakeNode node;
  auto client = connect_to(node);
  std::vector<Hello> hellos = node.bodies<Hello>();
  REQUIRE(hellos.size() == 1);
  CHECK(hellos[0].client == "test-client");
  CHECK(hellos[0].protocol == kProtocolVersion);
}

TEST_CASE("connect refuses a node that speaks another protocol", "[client]") {
  FakeNode node([](const Request& r) -> std::optional<Answer> {
    if (std::holds_alternative<Hello>(r.body))
      return Answer{{}, encode_body(HelloReply{"n", "9", 2})};
    return std::nullopt;
  });
  ClientOptions options;
  options.endpoint = node.endpoint();
  Result<std::unique_ptr<Client>> client = Client::connect(options);
  REQUIRE_FALSE(client.ok());
  CHECK(client.status().message ==
        "node at " + node.endpoint() + " speaks protocol 2, this client speaks 1");
}

TEST_CASE("enqueue returns the ids the node gave", "[client]") {
  FakeNode node([](const Request& r) -> std::optional<Answer> {
    const auto* enqueue = std::get_if<Enqueue>(&r.body);
    if (!enqueue) return std::nullopt;
    EnqueueReply reply;
    for (std::size_t i = 0; i < enqueue->jobs.size(); ++i) {
      reply.ids.push_back(100 + i);
      reply.errors.emplace_back();
    }
    return Answer{{}, encode_body(reply)};
  });
  auto client = connect_to(node);
  JobSpec a;
  a.queue = "mail";
  JobSpec b;
  b.priority = 5;
  Result<EnqueueResult> result = client->enqueue({a, b});
  REQUIRE(result.ok());
  CHECK(result->ids == std::vector<JobId>{100, 101});
  CHECK(result->errors.size() == 2);

  Result<JobId> single = client->enqueue(a);
  REQUIRE(single.ok());
  CHECK(*single == 100);

  std::vector<Enqueue> seen = node.bodies<Enqueue>();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].jobs.at(0).queue == "mail");
  CHECK(seen[0].jobs.at(1).priority == 5);
  CHECK_FALSE(seen[0].wait);
}

TEST_CASE("a refused job fails the single enqueue with its own error", "[client]") {
  FakeNode node([](const Request& r) -> std::optional<Answer> {
    if (!std::holds_alternative<Enqueue>(r.body)) return std::nullopt;
    EnqueueReply reply{{0}, {Status::error(ErrorCode::conflict, "unique key taken")}, {}};
    return Answer{{}, encode_body(reply)};
  });
  auto client = connect_to(node);
  Result<JobId> id = client->enqueue(JobSpec{});
  REQUIRE_FALSE(id.ok());
  CHECK(id.status().code == ErrorCode::conflict);
  CHECK(id.status().message == "unique key taken");
}

TEST_CASE("an error reply becomes a Status with the node's message", "[client]") {
  FakeNode node([](const Request& r) -> std::optional<Answer> {
    if (!std::holds_alternative<Get>(r.body)) return std::nullopt;
    return Answer{Status::error(ErrorCode::not_found, "no job 0000000000000007"), ""};
  });
  auto client = connect_to(node);
  Result<Job> job = client->get(7);
  REQUIRE_FALSE(job.ok());
  CHECK(job.status().code == ErrorCode::not_found);
  CHECK(job.status().message == "no job 0000000000000007");
}

TEST_CASE("a node that does not answer gives unavailable after the timeout", "[client]") {
  FakeNode node;  // answers hello only
  auto client = connect_to(node, 200ms);
  auto started = std::chrono::steady_clock::now();
  Result<Job> job = client->get(1);
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(job.ok());
  CHECK(job.status().code == ErrorCode::unavailable);
  CHECK(job.status().message ==
        "no reply from " + node.endpoint() +
            " within 200 ms: the node accepted the connection but did not answer in time (busy or "
            "stopped?); try again or raise the timeout");
  CHECK(took >= 200ms);
  CHECK(took < 2s);
}

TEST_CASE("a late reply is not taken for the next request's", "[client]") {
  std::atomic<int> gets{0};
  FakeNode node([&](const Request& r) -> std::optional<Answer> {
    const auto* get = std::get_if<Get>(&r.body);
    if (!get) return std::nullopt;
    if (gets++ == 0) return std::nullopt;  // the first one times out
    GetReply reply;
    reply.job.id = get->id;
    return Answer{{}, encode_body(reply)};
  });
  auto client = connect_to(node, 300ms);
  REQUIRE_FALSE(client->get(1).ok());
  // Now answer the first request late, as a slow node would.
  std::uint64_t first_id = node.requests().back().id;
  GetReply late;
  late.job.id = 1;
  node.push(encode_reply(first_id, Status::success(), encode_body(late)));
  Result<Job> second = client->get(2);
  REQUIRE(second.ok());
  CHECK(second->id == 2);
}

TEST_CASE("typed replies come back as the client's types", "[client]") {
  FakeNode node([](const Request& r) -> std::optional<Answer> {
    if (std::holds_alternative<Queues>(r.body)) {
      QueueSummary q;
      q.name = "mail";
      q.counts[static_cast<int>(JobState::queued)] = 3;
      return Answer{{}, encode_body(QueuesReply{{q}})};
    }
    if (const auto* list = std::get_if<List>(&r.body)) {
      Job job;
      job.id = list->after + 1;
      return Answer{{}, encode_body(ListReply{{job}, 0, 1})};
    }
    if (std::holds_alternative<Retry>(r.body))
      return Answer{{}, encode_body(ErrorsReply{{{}, Status::error(ErrorCode::not_found, "x")}})};
    if (std::holds_alternative<QueueCommand>(r.body)) return Answer{{}, ""};
    if (std::holds_alternative<Stats>(r.body)) {
      BodyWriter w;
      w.add("node", "n\"1").add("index", 42).add("paused", false);
      return Answer{{}, w.finish()};
    }
    if (const auto* wait = std::get_if<Wait>(&r.body)) {
      WaitReply reply;
      for (JobId id : wait->ids) {
        Job job;
        job.id = id;
        job.state = JobState::succeeded;
        reply.jobs.emplace_back(job);
      }
      return Answer{{}, encode_body(reply)};
    }
    return std::nullopt;
  });
  auto client = connect_to(node);

  Result<std::vector<QueueSummary>> queues = client->queues();
  REQUIRE(queues.ok());
  REQUIRE(queues->size() == 1);
  CHECK(queues->at(0).counts[static_cast<int>(JobState::queued)] == 3);

  List query;
  query.after = 9;
  Result<JobPage> page = client->list(query);
  REQUIRE(page.ok());
  CHECK(page->jobs.at(0).id == 10);
  CHECK(page->total == 1);

  Result<std::vector<Status>> retried = client->retry({1, 2});
  REQUIRE(retried.ok());
  CHECK(retried->at(1).code == ErrorCode::not_found);

  CHECK(client->queue_command({QueueAction::pause, "mail", std::nullopt}).ok());

  Result<std::string> stats = client->stats_json();
  REQUIRE(stats.ok());
  CHECK(*stats == R"({"node":"n\"1","index":42,"paused":false})");

  Result<std::vector<std::optional<Job>>> waited = client->wait({4, 5}, 1s);
  REQUIRE(waited.ok());
  REQUIRE(waited->size() == 2);
  CHECK(waited->at(1)->id == 5);
  CHECK(node.bodies<Wait>().at(0).timeout_ms == 1000);
}

TEST_CASE("a worker registers, receives a pushed lease and reports it", "[client]") {
  FakeNode node;
  auto worker = worker_for(node);
  std::vector<WorkerHello> hellos = node.bodies<WorkerHello>();
  REQUIRE(hellos.size() == 1);
  CHECK(hellos[0].name == "w-1");
  CHECK(hellos[0].queues == std::vector<std::string>{"mail", "video"});
  CHECK(hellos[0].slots == 2);

  node.push(encode_push(kLeasePush, encode_body(LeasePush{leased_job(77, 2), 5})));
  Result<std::optional<Lease>> lease = worker->next(5s);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  const Lease& got = **lease;
  CHECK(got.job.id == 77);
  CHECK(got.job.payload == "args");
  CHECK(got.term == 5);

  REQUIRE(worker->report(got, {Outcome::failed, 3, "partial", "exit 3"}).ok());
  REQUIRE(node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Report>(rs, 1); }));
  Report report = node.bodies<Report>().at(0);
  CHECK(report.id == 77);
  CHECK(report.term == 5);
  CHECK(report.attempt == 2);
  CHECK(report.outcome == Outcome::failed);
  CHECK(report.exit_status == 3);
  CHECK(report.output == "partial");
  CHECK(report.error == "exit 3");

  // The reply to the report is consumed; the next lease still comes through.
  node.push(encode_push(kLeasePush, encode_body(LeasePush{leased_job(78, 1), 5})));
  lease = worker->next(5s);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  CHECK((*lease)->job.id == 78);
}

TEST_CASE("a worker registers again without batch with a node that refuses it", "[client]") {
  // As a node of an older version answers an unknown hello field.
  FakeNode node([](const Request& request) -> std::optional<Answer> {
    if (const auto* hello = std::get_if<WorkerHello>(&request.body); hello && hello->batch)
      return Answer{
          Status::error(ErrorCode::bad_request, "request body field 'batch' is not known"),
          std::string("\x80")};
    return std::nullopt;
  });
  auto worker = worker_for(node);
  std::vector<WorkerHello> hellos = node.bodies<WorkerHello>();
  REQUIRE(hellos.size() == 2);
  CHECK(hellos[0].batch);
  CHECK_FALSE(hellos[1].batch);
  // That node's single leases still come through, and reports go one by one.
  node.push(encode_push(kLeasePush, encode_body(LeasePush{leased_job(77, 2), 5})));
  Result<std::optional<Lease>> lease = worker->next(5s);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  REQUIRE(worker->report(**lease, {}).ok());
  REQUIRE(node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Report>(rs, 1); }));
  CHECK(node.bodies<Reports>().empty());
}

TEST_CASE("a worker takes a leases push whole and holds reports while leases wait", "[client]") {
  FakeNode node([](const Request& request) -> std::optional<Answer> {
    if (std::holds_alternative<WorkerHello>(request.body))
      return Answer{{}, encode_body(WorkerReply{50, true})};
    if (std::holds_alternative<Reports>(request.body)) return Answer{{}, std::string("\x80")};
    return std::nullopt;
  });
  WorkerOptions options;
  options.endpoint = node.endpoint();
  options.queues = {"mail"};
  options.slots = 4;                               // reports go in twos
  options.report_hold = std::chrono::seconds(30);  // none leaves by the clock here
  Result<std::unique_ptr<Worker>> connected = Worker::connect(options);
  REQUIRE(connected.ok());
  Worker& worker = **connected;
  REQUIRE(node.bodies<WorkerHello>().at(0).batch);

  LeasesPush push{6, {}};
  for (JobId id : {70, 71, 72})
    push.leases.push_back(SlimLease{id, 1, JobKind::task, "mail", "Mail", "args", 900});
  node.push(encode_push(kLeasesPush, encode_body(push)));
  std::vector<Lease> got;
  for (int i = 0; i < 3; ++i) {
    Result<std::optional<Lease>> lease = worker.next(5s);
    REQUIRE(lease.ok());
    REQUIRE(lease->has_value());
    got.push_back(**lease);
    if (i == 0) {
      // Two leases wait: the first report is held.
      REQUIRE(worker.report(got[0], {}).ok());
    }
  }
  CHECK(got[1].job.id == 71);
  CHECK(got[2].job.job_class == "Mail");
  CHECK(got[2].job.payload == "args");
  CHECK(got[2].job.timeout_ms == 900);
  CHECK(got[2].job.attempts == 1);
  CHECK(got[2].term == 6);
  CHECK(got[2].job.state == JobState::running);
  // The second report makes two held (half the slots): both go in one message.
  REQUIRE(worker.report(got[1], {Outcome::failed, 1, "", "no"}).ok());
  REQUIRE(node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Reports>(rs, 1); }));
  Reports first = node.bodies<Reports>().at(0);
  REQUIRE(first.reports.size() == 2);
  CHECK(first.reports[0].id == 70);
  CHECK(first.reports[1].id == 71);
  CHECK(first.reports[1].outcome == Outcome::failed);
  // No lease waits: the last report goes at once, alone.
  REQUIRE(worker.report(got[2], {}).ok());
  REQUIRE(node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Report>(rs, 1); }));
  CHECK(node.bodies<Report>().at(0).id == 72);
}

TEST_CASE("a held report goes out within a few ms while its worker runs another job", "[client]") {
  FakeNode node([](const Request& request) -> std::optional<Answer> {
    if (std::holds_alternative<WorkerHello>(request.body))
      return Answer{{}, encode_body(WorkerReply{50, true})};
    return std::nullopt;
  });
  WorkerOptions options;
  options.endpoint = node.endpoint();
  options.slots = 8;
  Result<std::unique_ptr<Worker>> connected = Worker::connect(options);
  REQUIRE(connected.ok());
  LeasesPush push{6, {}};
  for (JobId id : {80, 81, 82})
    push.leases.push_back(SlimLease{id, 1, JobKind::task, "q", "C", "", 0});
  node.push(encode_push(kLeasesPush, encode_body(push)));
  Result<std::optional<Lease>> lease = (*connected)->next(5s);
  REQUIRE(lease.ok());
  REQUIRE(lease->has_value());
  // Two leases wait and one report is under half the slots: it is held.
  REQUIRE((*connected)->report(**lease, {}).ok());
  // The caller now "runs" the second job and calls nothing: the worker's
  // own thread sends the held report.
  REQUIRE(
      node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Report>(rs, 1); }, 2s));
  CHECK(node.bodies<Report>().at(0).id == 80);
}

TEST_CASE("a worker with nothing to do returns empty after the timeout", "[client]") {
  FakeNode node;
  auto worker = worker_for(node);
  Result<std::optional<Lease>> lease = worker->next(100ms);
  REQUIRE(lease.ok());
  CHECK_FALSE(lease->has_value());
}

TEST_CASE("a worker sends heartbeats while it waits in next()", "[client]") {
  FakeNode node;  // asks for a heartbeat every 50 ms
  auto worker = worker_for(node);
  auto before = node.bodies<Heartbeat>().size();
  REQUIRE(worker->next(400ms).ok());
  // 400 ms at one per 50 ms: about 8; allow for a slow machine.
  CHECK(node.bodies<Heartbeat>().size() - before >= 4);
}

TEST_CASE("a worker sends heartbeats while the caller is busy elsewhere", "[client]") {
  FakeNode node;
  auto worker = worker_for(node);
  // No call into the worker at all: its own thread keeps it alive.
  CHECK(
      node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Heartbeat>(rs, 3); }, 5s));
}

TEST_CASE("run() handles each lease and reports it until told to stop", "[client]") {
  FakeNode node;
  auto worker = worker_for(node);
  for (JobId id = 1; id <= 3; ++id)
    node.push(encode_push(kLeasePush, encode_body(LeasePush{leased_job(id, 1), 2})));
  int handled = 0;
  Status status = worker->run(
      [&](const Lease& lease) -> WorkOutcome {
        ++handled;
        if (lease.job.id == 2) throw std::runtime_error("bad input");
        return {Outcome::succeeded, 0, "ok", ""};
      },
      [&] { return handled < 3; });
  REQUIRE(status.ok());
  CHECK(handled == 3);
  REQUIRE(node.wait_for([](const auto& rs) { return FakeNode::count_at_least<Report>(rs, 3); }));
  std::vector<Report> reports = node.bodies<Report>();
  CHECK(reports.at(0).outcome == Outcome::succeeded);
  CHECK(reports.at(1).outcome == Outcome::failed);
  CHECK(reports.at(1).error == "handler threw: bad input");
  CHECK(reports.at(2).id == 3);
}

TEST_CASE("connect to a malformed endpoint fails with the reason", "[client]") {
  ClientOptions options;
  options.endpoint = "nonsense";
  Result<std::unique_ptr<Client>> client = Client::connect(options);
  REQUIRE_FALSE(client.ok());
  CHECK(client.status().message.rfind("cannot connect to 'nonsense': ", 0) == 0);
}
