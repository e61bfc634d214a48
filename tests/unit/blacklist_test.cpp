// The timed de-duplication blacklist: identities, the window under a fake op
// clock, expiry, clear, counts, snapshots and the op codec.
#include <catch2/catch.hpp>

#include "core/model/job_id.hpp"
#include "core/state/dedup_identity.hpp"
#include "tests/unit/snapshot_test_support.hpp"
#include "tests/unit/state_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

constexpr std::uint64_t kWindow = 10 * 60 * 1000;

QueueConfig with_window(std::uint64_t window_ms) {
  QueueConfig config;
  config.dedup_window_ms = window_ms;
  return config;
}

Job job_with(JobId id, std::string job_class, std::string payload, std::string key = {}) {
  Job job = make_job(id, "mail");
  job.job_class = std::move(job_class);
  job.payload = std::move(payload);
  job.unique_key = std::move(key);
  return job;
}

std::uint64_t rejections(const State& state, const std::string& queue) {
  std::vector<QueueBlacklist> list = state.blacklist(queue, "", 100);
  return list.empty() ? 0 : list.front().rejections;
}

std::size_t entries(const State& state, const std::string& queue) {
  std::vector<QueueBlacklist> list = state.blacklist(queue, "", 1000);
  return list.empty() ? 0 : list.front().entries.size();
}

}  // namespace

TEST_CASE("the content hash is FNV-1a 64 over the length-prefixed class and the payload",
          "[state][blacklist]") {
  // Published FNV-1a 64 test vectors pin the constants.
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
  std::string prefixed("\x02\0\0\0\0\0\0\0abcd", 12);
  CHECK(job_content_hash("ab", "cd") == fnv1a64(prefixed));
  CHECK(job_content_hash("ab", "c") != job_content_hash("a", "bc"));
  CHECK(dedup_identity("", "ab", "cd").rfind("hash:", 0) == 0);
  CHECK(dedup_identity("", "ab", "cd").size() == 5 + 16);
  CHECK(dedup_identity("order-7", "ab", "cd") == "key:order-7");
}

TEST_CASE("a duplicate within the window is refused, naming the earlier job and when",
          "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "Mailer", "to:bob")).ok());
  log.now += kWindow - 1;
  Status dup = log.enqueue(job_with(2, "Mailer", "to:bob"));
  REQUIRE(dup.code == ErrorCode::conflict);
  CHECK(dup.message.find("job " + format_job_id(1)) != std::string::npos);
  CHECK(dup.message.find("enqueued at 2025-06-15T15:06:40.000Z") != std::string::npos);
  CHECK(dup.message.find("599.9 s ago") != std::string::npos);
  CHECK(log.state.find(2) == nullptr);
  CHECK(rejections(log.state, "mail") == 1);
  // Another payload or class is another identity.
  CHECK(log.enqueue(job_with(3, "Mailer", "to:alice")).ok());
  CHECK(log.enqueue(job_with(4, "Other", "to:bob")).ok());
}

TEST_CASE("a duplicate is accepted once the window has passed", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "Mailer", "x")).ok());
  log.now += kWindow;
  CHECK(log.enqueue(job_with(2, "Mailer", "x")).ok());
  CHECK(rejections(log.state, "mail") == 0);
}

TEST_CASE("entries expire with any op's time, without a read touching them", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(1000)}).ok());
  for (JobId id = 1; id <= 5; ++id) {
    REQUIRE(log.enqueue(job_with(id, "C", std::to_string(id))).ok());
    log.now += 100;
  }
  CHECK(entries(log.state, "mail") == 5);
  log.now = kT0 + 1250;  // past the first three (seen at +0, +100, +200)
  log.step(PurgeOp{});
  CHECK(entries(log.state, "mail") == 2);
  log.now = kT0 + 5000;
  log.step(PurgeOp{});
  CHECK(entries(log.state, "mail") == 0);
}

TEST_CASE("the unique key is the identity when a job has one", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "Mailer", "first", "order-7")).ok());
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());  // the key is free again
  // Same key, other content: refused by the window, not by the live-key rule.
  Status dup = log.enqueue(job_with(2, "Mailer", "second", "order-7"));
  REQUIRE(dup.code == ErrorCode::conflict);
  CHECK(dup.message.find("key:order-7") != std::string::npos);
  // Same content without the key: a hash identity, which nothing has seen.
  CHECK(log.enqueue(job_with(3, "Mailer", "first")).ok());
}

TEST_CASE("a processed job refreshes its identity's window", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(1000)}).ok());
  REQUIRE(log.enqueue(job_with(1, "C", "p")).ok());
  log.now += 900;
  REQUIRE(log.lease(1).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  log.now += 900;  // 1800 ms after the enqueue, 900 after the completion
  Status dup = log.enqueue(job_with(2, "C", "p"));
  REQUIRE(dup.code == ErrorCode::conflict);
  CHECK(dup.message.find("processed at") != std::string::npos);
  log.now += 100;
  CHECK(log.enqueue(job_with(3, "C", "p")).ok());
}

TEST_CASE("a queue without a window keeps no blacklist", "[state][blacklist]") {
  Log log;
  REQUIRE(log.enqueue(job_with(1, "C", "p")).ok());
  REQUIRE(log.enqueue(job_with(2, "C", "p")).ok());
  CHECK(log.state.blacklist("", "", 10).empty());
}

TEST_CASE("changing the window re-keys the entries, and 0 forgets them", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(1000)}).ok());
  REQUIRE(log.enqueue(job_with(1, "C", "p")).ok());
  REQUIRE(log.one(QueueConfigureOp{"mail", with_window(kWindow)}).ok());
  log.now += 5000;
  CHECK(log.enqueue(job_with(2, "C", "p")).code == ErrorCode::conflict);
  std::vector<QueueBlacklist> list = log.state.blacklist("mail", "", 10);
  REQUIRE(list.size() == 1);
  CHECK(list[0].window_ms == kWindow);
  CHECK(list[0].entries.at(0).expires_at == kT0 + static_cast<TimeMs>(kWindow));
  REQUIRE(log.one(QueueConfigureOp{"mail", with_window(0)}).ok());
  CHECK(entries(log.state, "mail") == 0);
  CHECK(log.enqueue(job_with(3, "C", "p")).ok());
}

TEST_CASE("the blacklist is listed by queue and searched by identity", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.one(QueueCreateOp{"idle", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "C", "p", "customer-12")).ok());
  REQUIRE(log.enqueue(job_with(2, "C", "p", "customer-13")).ok());
  REQUIRE(log.enqueue(job_with(3, "C", "p")).ok());
  std::vector<QueueBlacklist> all = log.state.blacklist("", "", 100);
  REQUIRE(all.size() == 2);
  CHECK(all[0].queue == "idle");  // a window, nothing seen yet
  CHECK(all[0].entries.empty());
  CHECK(all[1].queue == "mail");
  CHECK(all[1].entries.size() == 3);
  std::vector<QueueBlacklist> found = log.state.blacklist("mail", "r-13", 100);
  REQUIRE(found.at(0).entries.size() == 1);
  CHECK(found[0].entries[0].identity == "key:customer-13");
  CHECK(found[0].entries[0].job == 2);
  CHECK_FALSE(found[0].entries[0].processed);
  CHECK(log.state.blacklist("mail", "", 1).at(0).entries.size() == 1);
}

TEST_CASE("clear removes one identity, a queue's entries or all, and keeps the counts",
          "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.one(QueueCreateOp{"sms", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "C", "p1")).ok());
  REQUIRE(log.enqueue(job_with(2, "C", "p2")).ok());
  Job sms = job_with(3, "C", "p1");
  sms.queue = "sms";
  REQUIRE(log.enqueue(sms).ok());  // the blacklist is per queue
  REQUIRE(log.enqueue(job_with(4, "C", "p1")).code == ErrorCode::conflict);

  const std::string p1 = dedup_identity("", "C", "p1");
  REQUIRE(log.one(BlacklistClearOp{"mail", p1}).ok());
  CHECK(entries(log.state, "mail") == 1);
  CHECK(entries(log.state, "sms") == 1);
  CHECK(log.one(BlacklistClearOp{"mail", p1}).code == ErrorCode::not_found);
  CHECK(log.one(BlacklistClearOp{"nowhere", ""}).code == ErrorCode::not_found);
  REQUIRE(log.one(BlacklistClearOp{"mail", ""}).ok());
  CHECK(entries(log.state, "mail") == 0);
  CHECK(entries(log.state, "sms") == 1);
  REQUIRE(log.one(BlacklistClearOp{"", ""}).ok());
  CHECK(entries(log.state, "sms") == 0);
  CHECK(rejections(log.state, "mail") == 1);
  CHECK(log.enqueue(job_with(5, "C", "p1")).ok());
}

TEST_CASE("deleting a queue drops its blacklist", "[state][blacklist]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "C", "p")).ok());
  REQUIRE(log.one(QueueDeleteOp{"mail"}).ok());
  CHECK(log.state.blacklist("", "", 10).empty());
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  CHECK(log.enqueue(job_with(2, "C", "p")).ok());
}

TEST_CASE("completions are counted per node as the load distribution", "[state][blacklist]") {
  Log log;
  for (JobId id = 1; id <= 3; ++id) REQUIRE(log.enqueue(make_job(id)).ok());
  for (JobId id = 1; id <= 3; ++id) REQUIRE(log.lease(id).ok());
  REQUIRE(log.complete(1, Outcome::succeeded).ok());
  REQUIRE(log.complete(2, Outcome::failed).ok());
  auto run = log.state.jobs_run_by_node();
  REQUIRE(run.size() == 1);
  CHECK(run[0].first == "node-a");
  CHECK(run[0].second == 2);
}

TEST_CASE("blacklists and completions per node survive a snapshot",
          "[state][blacklist][snapshot]") {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  REQUIRE(log.enqueue(job_with(1, "C", "p", "k1")).ok());
  REQUIRE(log.enqueue(job_with(2, "C", "q")).ok());
  REQUIRE(log.lease(2).ok());
  REQUIRE(log.complete(2, Outcome::succeeded).ok());
  REQUIRE(log.enqueue(job_with(3, "C", "q")).code == ErrorCode::conflict);

  Result<State> restored = State::decode_snapshot(log.state.encode_snapshot());
  INFO(restored.status().message);
  REQUIRE(restored.ok());
  std::vector<QueueBlacklist> a = log.state.blacklist("", "", 100);
  std::vector<QueueBlacklist> b = restored->blacklist("", "", 100);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(b[0].rejections == 1);
  REQUIRE(b[0].entries.size() == a[0].entries.size());
  for (std::size_t i = 0; i < a[0].entries.size(); ++i) {
    CHECK(b[0].entries[i].identity == a[0].entries[i].identity);
    CHECK(b[0].entries[i].job == a[0].entries[i].job);
    CHECK(b[0].entries[i].seen_at == a[0].entries[i].seen_at);
    CHECK(b[0].entries[i].expires_at == a[0].entries[i].expires_at);
    CHECK(b[0].entries[i].processed == a[0].entries[i].processed);
  }
  CHECK(restored->jobs_run_by_node() == log.state.jobs_run_by_node());
  // The restored entries still expire.
  Log after;
  after.state = std::move(restored.value());
  after.index = log.index;
  after.now = log.now + static_cast<TimeMs>(kWindow);
  after.step(PurgeOp{});
  CHECK(after.state.blacklist("mail", "", 100).at(0).entries.empty());
}

TEST_CASE("a version 2 snapshot loads with an empty blacklist", "[state][blacklist][snapshot]") {
  Log log;
  REQUIRE(log.enqueue(make_job(1)).ok());
  Result<State> v2 = State::decode_snapshot(snapshot_as_v2(log.state.encode_snapshot()));
  INFO(v2.status().message);
  REQUIRE(v2.ok());
  CHECK(v2->find(1) != nullptr);
  CHECK(v2->blacklist("", "", 10).empty());
  CHECK(v2->jobs_run_by_node().empty());
}

namespace {

// A current snapshot of an empty state whose blacklist field is `write`'s.
template <typename Write>
std::string snapshot_with_blacklist(Write write) {
  Log log;
  REQUIRE(log.one(QueueCreateOp{"mail", with_window(kWindow)}).ok());
  std::string good = log.state.encode_snapshot();
  msgpack::object_handle handle = msgpack::unpack(good.data(), good.size());
  const msgpack::object_array& fields = handle.get().via.array;
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(fields.size);
  for (std::uint32_t i = 0; i < fields.size; ++i) {
    if (i == 11) {  // blacklists
      write(pk);
    } else {
      pk.pack(fields.ptr[i]);
    }
  }
  return std::string(buffer.data(), buffer.size());
}

void pack_entry(msgpack::packer<msgpack::sbuffer>& pk, const std::string& identity, TimeMs seen,
                TimeMs expires) {
  pk.pack_array(5);
  pk.pack(identity);
  pk.pack(std::uint64_t{1});
  pk.pack(seen);
  pk.pack(expires);
  pk.pack(false);
}

std::string decode_error(const std::string& bytes) {
  Result<State> r = State::decode_snapshot(bytes);
  return r.ok() ? std::string("ok") : r.status().message;
}

}  // namespace

TEST_CASE("a snapshot with a damaged blacklist is refused with the place named",
          "[state][blacklist][snapshot]") {
  CHECK(decode_error(snapshot_with_blacklist([](auto& pk) {
          pk.pack_array(1);
          pk.pack_array(3);
          pk.pack(std::string("nowhere"));
          pk.pack(0);
          pk.pack_array(0);
        })) == "snapshot.blacklists[0]: queue 'nowhere' is not listed");
  CHECK(decode_error(snapshot_with_blacklist([](auto& pk) {
          pk.pack_array(1);
          pk.pack_array(3);
          pk.pack(std::string("mail"));
          pk.pack(0);
          pk.pack_array(2);
          pack_entry(pk, "key:b", 1, 2);
          pack_entry(pk, "key:a", 1, 2);
        })).find("out of order") != std::string::npos);
  CHECK(decode_error(snapshot_with_blacklist([](auto& pk) {
          pk.pack_array(1);
          pk.pack_array(3);
          pk.pack(std::string("mail"));
          pk.pack(0);
          pk.pack_array(1);
          pack_entry(pk, "key:a", 5, 2);
        })).find("expires before it was seen") != std::string::npos);
  CHECK(decode_error(snapshot_with_blacklist([](auto& pk) {
          pk.pack_array(1);
          pk.pack_array(2);
          pk.pack(std::string("mail"));
          pk.pack(0);
        })).find("snapshot.blacklists[0]") != std::string::npos);
  CHECK(decode_error(snapshot_with_blacklist([](auto& pk) { pk.pack(7); })) ==
        "snapshot.blacklists: must be an array, not an integer");
}

TEST_CASE("the blacklist clear op and the queue window survive the op codec",
          "[state][blacklist][codec]") {
  Result<Op> op = decode_op(encode_op(BlacklistClearOp{"mail", "key:a"}));
  REQUIRE(op.ok());
  const auto& clear = std::get<BlacklistClearOp>(*op);
  CHECK(clear.queue == "mail");
  CHECK(clear.identity == "key:a");
  Result<Op> configure = decode_op(encode_op(QueueConfigureOp{"mail", with_window(12345)}));
  REQUIRE(configure.ok());
  CHECK(std::get<QueueConfigureOp>(*configure).config.dedup_window_ms == 12345);

  // Truncated or mistyped: refused, with the op's name in the place.
  std::string bytes = encode_op(BlacklistClearOp{"mail", ""});
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CHECK_FALSE(decode_op(std::string_view(bytes).substr(0, n)).ok());
  }
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kOpFormatVersion);
  pk.pack(static_cast<std::uint32_t>(Op{BlacklistClearOp{}}.index() + 1));
  pk.pack(std::string("mail"));
  pk.pack(3);
  Result<Op> bad = decode_op(std::string_view(buffer.data(), buffer.size()));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message.find("blacklist_clear.identity") != std::string::npos);
}

TEST_CASE("a queue config from before the window loads with it off", "[state][blacklist][codec]") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(kOpFormatVersion);
  pk.pack(std::uint32_t{9});  // queue_create
  pk.pack(std::string("old"));
  pk.pack_array(3);
  pk.pack(false);
  pk.pack_array(3);
  pk.pack(0);
  pk.pack(0);
  pk.pack(0);
  pk.pack(std::uint64_t{5000});
  Result<Op> op = decode_op(std::string_view(buffer.data(), buffer.size()));
  INFO(op.status().message);
  REQUIRE(op.ok());
  CHECK(std::get<QueueCreateOp>(*op).config.retention_ms == 5000);
  CHECK(std::get<QueueCreateOp>(*op).config.dedup_window_ms == 0);
}
