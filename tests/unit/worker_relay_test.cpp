// The worker relay's bookkeeping (RelayBook), its framing on the peer links
// (relay_frame) and the relay itself with fake ends: what a worker sends is
// answered or passed on, and a new leader gets every worker registered
// again with its free credit and the leases it holds.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/node/relay_book.hpp"
#include "core/node/stall_watch.hpp"
#include "core/node/worker_relay.hpp"
#include "transport/peer/relay_frame.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {

namespace {

protocol::WorkerHello shell_hello(std::uint32_t slots) {
  protocol::WorkerHello hello;
  hello.name = "shell@n1";
  hello.queues = {"*"};
  hello.kinds = {JobKind::shell};
  hello.slots = slots;
  hello.pool = "shell";
  return hello;
}

// Frames the relay sends to the worker (its Peer is in-process).
struct FakeWorker : LocalDelivery {
  std::vector<std::string> frames;
  void deliver(const std::string&, std::string frame) override {
    frames.push_back(std::move(frame));
  }
};

struct Sent {
  std::string leader;
  std::string worker;
  protocol::Request request;
};

std::string lease_push(JobId id, std::uint64_t term, std::uint32_t attempt) {
  Job job;
  job.id = id;
  job.attempts = attempt;
  job.state = JobState::running;
  return protocol::encode_push(protocol::kLeasePush,
                               protocol::encode_body(protocol::LeasePush{job, term}));
}

}  // namespace

TEST_CASE("a relayed worker's registration carries its free credit and held leases",
          "[node][relay]") {
  RelayBook book;
  const std::string key = book.add(shell_hello(2), 0);
  book.on_lease(key, 11, 3, 1);
  book.on_credit(key, 1, 0, 0);
  std::optional<protocol::WorkerHello> hello = book.registration(key);
  REQUIRE(hello);
  CHECK(hello->slots == 2);  // 2 - 1 leased + 1 credit
  REQUIRE(hello->running.size() == 1);
  CHECK(hello->running[0] == protocol::WorkerHello::HeldLease{11, 3, 1});
  CHECK(hello->name == "shell@n1");
  CHECK(hello->pool == "shell");
}

TEST_CASE("only the report of a held lease gives a relayed worker's slot back", "[node][relay]") {
  RelayBook book;
  const std::string key = book.add(shell_hello(1), 0);
  book.on_lease(key, 7, 1, 1);
  CHECK(book.free_slots() == 0);
  book.on_report(key, 99, 0);  // not held: a stray or repeated report
  CHECK(book.free_slots() == 0);
  book.on_report(key, 7, 0);
  CHECK(book.free_slots() == 1);
  book.on_report(key, 7, 0);  // the same report again
  CHECK(book.free_slots() == 1);
  CHECK(book.held_leases() == 0);
}

TEST_CASE("a relayed worker's withdrawn credit leaves its free slots, never below 0",
          "[node][relay]") {
  RelayBook book;
  const std::string key = book.add(shell_hello(2), 0);
  book.on_credit(key, 0, 1, 0);  // a local HTTP request took a worker
  CHECK(book.free_slots() == 1);
  book.on_credit(key, 0, 5, 0);  // more than it has: a lease crossed it
  CHECK(book.free_slots() == 0);
  book.on_credit(key, 2, 0, 0);
  CHECK(book.free_slots() == 2);
  std::optional<protocol::WorkerHello> hello = book.registration(key);
  REQUIRE(hello);
  CHECK(hello->slots == 2);
}

TEST_CASE("relayed workers get keys of their own and silent ones are forgotten", "[node][relay]") {
  RelayBook book;
  const std::string a = book.add(shell_hello(1), 0);
  const std::string b = book.add(shell_hello(1), 0);
  CHECK(a != b);
  book.on_heartbeat(b, 4000);
  std::vector<std::string> gone = book.expire(6000, 5000);
  CHECK(gone == std::vector<std::string>{a});
  CHECK_FALSE(book.contains(a));
  CHECK(book.contains(b));
  book.remove(b);
  const std::string c = book.add(shell_hello(1), 7000);
  CHECK(c != a);
  CHECK(c != b);  // never reused: a late frame for an old key finds nothing
}

TEST_CASE("a relay frame decodes its node, worker and frame", "[node][relay]") {
  Result<RelayFrame> relay = decode_relay_frame({kRelayFrameTag, "node1", "w3", "frame"});
  REQUIRE(relay.ok());
  CHECK(relay->node == "node1");
  CHECK(relay->worker == "w3");
  CHECK(relay->frame == "frame");
}

TEST_CASE("malformed relay frames are refused with the reason", "[node][relay]") {
  auto refused = [](std::vector<std::string_view> parts) {
    Result<RelayFrame> relay = decode_relay_frame(parts);
    REQUIRE_FALSE(relay.ok());
    CHECK(relay.status().code == ErrorCode::bad_request);
    return relay.status().message;
  };
  CHECK_THAT(refused({}), Catch::Contains("does not start with"));
  CHECK_THAT(refused({"DSTR-RAFT/1", "n", "w", "f"}), Catch::Contains("does not start with"));
  CHECK_THAT(refused({kRelayFrameTag, "n", "w"}), Catch::Contains("has 3 parts"));
  CHECK_THAT(refused({kRelayFrameTag, "n", "w", "f", "x"}), Catch::Contains("has 5 parts"));
  CHECK_THAT(refused({kRelayFrameTag, "", "w", "f"}), Catch::Contains("node id"));
  const std::string long_node(kMaxRelayNodeBytes + 1, 'a');
  CHECK_THAT(refused({kRelayFrameTag, long_node, "w", "f"}), Catch::Contains("node id"));
  CHECK_THAT(refused({kRelayFrameTag, "n", "", "f"}), Catch::Contains("worker key"));
  CHECK_THAT(refused({kRelayFrameTag, "n", "w", ""}), Catch::Contains("frame is empty"));
}

TEST_CASE("a hello's held leases survive the codec and malformed ones are refused",
          "[node][relay][protocol]") {
  protocol::WorkerHello hello = shell_hello(2);
  hello.running = {{5, 2, 1}, {6, 2, 3}};
  Result<protocol::Request> decoded =
      protocol::decode_request(protocol::encode_request({9, hello}));
  REQUIRE(decoded.ok());
  const auto* back = std::get_if<protocol::WorkerHello>(&decoded->body);
  REQUIRE(back);
  CHECK(back->running == hello.running);

  // [id, term] without the attempt.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(protocol::kProtocolVersion);
  pk.pack(1);
  pk.pack(std::string("worker"));
  pk.pack_map(3);
  pk.pack(std::string("name"));
  pk.pack(std::string("w"));
  pk.pack(std::string("queues"));
  pk.pack_array(0);
  pk.pack(std::string("running"));
  pk.pack_array(1);
  pk.pack_array(2);
  pk.pack(5);
  pk.pack(2);
  Result<protocol::Request> refused =
      protocol::decode_request(std::string_view(buffer.data(), buffer.size()));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message, Catch::Contains("running[0]"));
}

TEST_CASE("the relay answers a hello itself and registers the worker with the leader",
          "[node][relay]") {
  Logger log;
  std::vector<Sent> sent;
  WorkerRelay relay(
      "self", log,
      [&](const std::string& leader, const std::string& worker, std::string_view frame) {
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        sent.push_back({leader, worker, *request});
        return true;
      },
      [&](const Peer&, std::string_view) { FAIL("not the leader"); });
  FakeWorker worker;
  const Peer peer{nullptr, {}, "self", "local", &worker};
  relay.follow("leader1", 4);

  const protocol::Request hello{17, shell_hello(2)};
  relay.on_worker_request(peer, protocol::encode_request(hello), hello, 0);
  REQUIRE(worker.frames.size() == 1);  // the answer to its hello
  Result<protocol::Reply> answered = protocol::decode_reply(worker.frames[0]);
  REQUIRE(answered.ok());
  CHECK(answered->id == 17);
  CHECK(answered->status.ok());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].leader == "leader1");
  CHECK(sent[0].request.id == kRelayRequestId);
  const std::string key = sent[0].worker;

  // A lease from the leader reaches the worker; the leader's answer to the
  // relay's own hello does not.
  relay.deliver(key, lease_push(40, 4, 1));
  relay.deliver(key,
                protocol::encode_reply(kRelayRequestId, Status::success(), protocol::kEmptyMap));
  CHECK(worker.frames.size() == 2);
  CHECK(relay.stats().held_leases == 1);

  // Its report goes on to the leader as the worker sent it.
  protocol::Report report;
  report.id = 40;
  report.term = 4;
  report.attempt = 1;
  const protocol::Request reported{18, report};
  relay.on_worker_request(peer, protocol::encode_request(reported), reported, 10);
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].request.id == 18);
  CHECK(relay.stats().free_slots == 2);
}

TEST_CASE("a new leader gets every worker registered again with what it holds", "[node][relay]") {
  Logger log;
  std::vector<Sent> sent;
  std::vector<std::string> to_self;
  WorkerRelay relay(
      "self", log,
      [&](const std::string& leader, const std::string& worker, std::string_view frame) {
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        sent.push_back({leader, worker, *request});
        return true;
      },
      [&](const Peer& worker, std::string_view) {
        CHECK(worker.via_node == "self");
        CHECK(worker.local != nullptr);
        to_self.push_back(worker.via_worker);
      });
  FakeWorker worker;
  const Peer peer{nullptr, {}, "self", "local", &worker};
  const protocol::Request hello{1, shell_hello(3)};
  relay.on_worker_request(peer, protocol::encode_request(hello), hello, 0);
  CHECK(sent.empty());  // no leader known yet: held until there is one

  relay.follow("leader1", 2);
  REQUIRE(sent.size() == 1);
  const std::string key = sent[0].worker;
  relay.deliver(key, lease_push(8, 2, 1));
  relay.follow("leader1", 2);  // nothing changed
  CHECK(sent.size() == 1);

  relay.follow("leader2", 3);
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].leader == "leader2");
  const auto* again = std::get_if<protocol::WorkerHello>(&sent[1].request.body);
  REQUIRE(again);
  CHECK(again->slots == 2);
  REQUIRE(again->running.size() == 1);
  CHECK(again->running[0] == protocol::WorkerHello::HeldLease{8, 2, 1});

  // This node leads now: the registration goes to its own dispatcher.
  relay.follow("self", 4);
  CHECK(to_self == std::vector<std::string>{key});
  // Nobody leads: a heartbeat has nowhere to go.
  relay.follow("", 5);
  const protocol::Request beat{0, protocol::Heartbeat{}};
  relay.on_worker_request(peer, protocol::encode_request(beat), beat, 0);
  CHECK(relay.stats().dropped == 1);
}

TEST_CASE("a registration that could not go to the leader is tried again next turn",
          "[node][relay]") {
  Logger log;
  bool link_up = false;
  std::vector<Sent> sent;
  WorkerRelay relay(
      "self", log,
      [&](const std::string& leader, const std::string& worker, std::string_view frame) {
        if (!link_up) return false;
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        sent.push_back({leader, worker, *request});
        return true;
      },
      [&](const Peer&, std::string_view) { FAIL("not the leader"); });
  FakeWorker worker;
  const Peer peer{nullptr, {}, "self", "local", &worker};
  relay.follow("leader1", 2);
  const protocol::Request hello{1, shell_hello(2)};
  relay.on_worker_request(peer, protocol::encode_request(hello), hello, 0);
  CHECK(sent.empty());
  link_up = true;
  relay.follow("leader1", 2);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].request.id == kRelayRequestId);
  relay.follow("leader1", 2);  // registered: not again
  CHECK(sent.size() == 1);
}

TEST_CASE("a pause of the relay's node does not count as its workers' silence",
          "[node][relay][faults]") {
  StallWatch watch(1000, 1000);
  CHECK(watch.observe(10'000) == 0);  // the first call
  CHECK(watch.observe(11'000) == 0);
  CHECK(watch.observe(12'900) == 0);             // late, within the tolerance
  const TimeMs stalled = watch.observe(18'900);  // SIGSTOP for about 5 s
  CHECK(stalled == 5'000);

  RelayBook book;
  const std::string key = book.add(shell_hello(1), 12'500);
  // Without the excuse the worker would be forgotten at wake-up.
  book.excuse_silence(stalled);
  CHECK(book.expire(18'900, protocol::kWorkerTimeoutMs).empty());
  CHECK(book.contains(key));
  // A worker that stays silent after the pause is still forgotten.
  CHECK(book.expire(18'900 + protocol::kWorkerTimeoutMs + 1, protocol::kWorkerTimeoutMs) ==
        std::vector<std::string>{key});
}

TEST_CASE("a worker the leader dropped is registered again, once per refusal burst",
          "[node][relay][faults]") {
  Logger log;
  std::vector<Sent> sent;
  WorkerRelay relay(
      "self", log,
      [&](const std::string& leader, const std::string& worker, std::string_view frame) {
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        sent.push_back({leader, worker, *request});
        return true;
      },
      [&](const Peer&, std::string_view) { FAIL("not the leader"); });
  FakeWorker worker;
  const Peer peer{nullptr, {}, "self", "local", &worker};
  relay.follow("leader1", 4);
  const protocol::Request hello{1, shell_hello(2)};
  relay.on_worker_request(peer, protocol::encode_request(hello), hello, 0);
  REQUIRE(sent.size() == 1);
  const std::string key = sent[0].worker;
  relay.deliver(key,
                protocol::encode_reply(kRelayRequestId, Status::success(), protocol::kEmptyMap));
  relay.deliver(key, lease_push(5, 4, 1));
  const std::size_t to_worker = worker.frames.size();

  // The leader dropped the worker while this node was paused: it answers
  // the heartbeats that were queued with "unregistered".
  const std::string unregistered = protocol::encode_reply(
      21, Status::error(ErrorCode::not_found, std::string(protocol::kUnregisteredWorker)),
      protocol::kEmptyMap);
  relay.deliver(key, unregistered);
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].request.id == kRelayRequestId);
  const auto* again = std::get_if<protocol::WorkerHello>(&sent[1].request.body);
  REQUIRE(again);
  CHECK(again->slots == 1);
  REQUIRE(again->running.size() == 1);
  CHECK(again->running[0] == protocol::WorkerHello::HeldLease{5, 4, 1});
  relay.deliver(key, unregistered);  // the next queued heartbeat's refusal
  CHECK(sent.size() == 2);
  CHECK(worker.frames.size() == to_worker);  // the worker never sees these
  // Once the leader has answered that hello, a new refusal registers it again.
  relay.deliver(key,
                protocol::encode_reply(kRelayRequestId, Status::success(), protocol::kEmptyMap));
  relay.deliver(key, unregistered);
  CHECK(sent.size() == 3);
}

TEST_CASE("a report from a worker the relay forgot still reaches the leader",
          "[node][relay][faults]") {
  Logger log;
  std::vector<Sent> sent;
  WorkerRelay relay(
      "self", log,
      [&](const std::string& leader, const std::string& worker, std::string_view frame) {
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        sent.push_back({leader, worker, *request});
        return true;
      },
      [&](const Peer&, std::string_view) { FAIL("not the leader"); });
  FakeWorker worker;
  const Peer peer{nullptr, {}, "self", "local", &worker};
  relay.follow("leader1", 4);
  protocol::Report report;
  report.id = 40;
  report.term = 3;
  report.attempt = 1;
  const protocol::Request reported{18, report};
  relay.on_worker_request(peer, protocol::encode_request(reported), reported, 10);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].worker == kUnknownWorkerKey);
  CHECK(std::holds_alternative<protocol::Report>(sent[0].request.body));
  REQUIRE(worker.frames.size() == 1);
  Result<protocol::Reply> answered = protocol::decode_reply(worker.frames[0]);
  REQUIRE(answered.ok());
  CHECK(answered->id == 18);
  CHECK(answered->status.ok());
}

TEST_CASE("batched leases are booked and batched reports go whole to this node, split to another",
          "[node][relay]") {
  Logger log;
  std::vector<Sent> sent;
  std::vector<Sent> to_self;
  WorkerRelay relay(
      "self", log,
      [&](const std::string& leader, const std::string& worker, std::string_view frame) {
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        sent.push_back({leader, worker, *request});
        return true;
      },
      [&](const Peer& from, std::string_view frame) {
        Result<protocol::Request> request = protocol::decode_request(frame);
        REQUIRE(request.ok());
        to_self.push_back({"self", from.via_worker, *request});
      });
  FakeWorker worker;
  const Peer peer{nullptr, {}, "self", "local", &worker};
  relay.follow("self", 4);
  protocol::WorkerHello hello = shell_hello(4);
  hello.batch = true;
  const protocol::Request hi{17, hello};
  relay.on_worker_request(peer, protocol::encode_request(hi), hi, 0);
  REQUIRE(worker.frames.size() == 1);
  Result<protocol::Reply> answered = protocol::decode_reply(worker.frames[0]);
  REQUIRE(answered.ok());
  protocol::WorkerReply answer;
  REQUIRE(protocol::decode_body(answered->body, answer).ok());
  CHECK(answer.batch);  // this node takes "reports"
  REQUIRE(to_self.size() == 1);
  CHECK(std::get<protocol::WorkerHello>(to_self[0].request.body).batch);  // passed on
  const std::string key = to_self[0].worker;

  protocol::LeasesPush push{4, {}};
  for (JobId id : {40, 41, 42})
    push.leases.push_back(protocol::SlimLease{id, 1, JobKind::shell, "q", "shell", "", 0});
  relay.deliver(key, protocol::encode_push(protocol::kLeasesPush, protocol::encode_body(push)));
  CHECK(worker.frames.size() == 2);  // passed on as it came
  CHECK(relay.stats().held_leases == 3);
  CHECK(relay.stats().free_slots == 1);

  auto reports = [](std::vector<JobId> ids) {
    protocol::Reports batch;
    for (JobId id : ids) {
      protocol::Report r;
      r.id = id;
      r.term = 4;
      r.attempt = 1;
      batch.reports.push_back(r);
    }
    return batch;
  };
  const protocol::Request two{18, reports({40, 41})};
  relay.on_worker_request(peer, protocol::encode_request(two), two, 5);
  REQUIRE(to_self.size() == 2);  // one message to this node's dispatcher
  CHECK(std::get<protocol::Reports>(to_self[1].request.body).reports.size() == 2);
  CHECK(relay.stats().held_leases == 1);
  CHECK(relay.stats().free_slots == 3);

  // Another node leads now: it gets one "report" per job, as any version takes.
  relay.follow("leader2", 5);
  sent.clear();
  const protocol::Request last{19, reports({42, 43})};
  relay.on_worker_request(peer, protocol::encode_request(last), last, 6);
  REQUIRE(sent.size() == 2);
  for (const Sent& s : sent) {
    CHECK(s.leader == "leader2");
    CHECK(s.request.id == 19);
    CHECK(std::holds_alternative<protocol::Report>(s.request.body));
  }
  CHECK(std::get<protocol::Report>(sent[1].request.body).id == 43);
  CHECK(relay.stats().held_leases == 0);
}

}  // namespace desaster
