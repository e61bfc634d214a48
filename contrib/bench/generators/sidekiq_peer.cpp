// Sidekiq's side, spoken to its Redis in Sidekiq's own format (what
// Sidekiq::Client#push writes: SADD queues, LPUSH queue:NAME of a JSON hash
// with class, args, jid and timestamps). Memory: the bytes per job of that
// format in Redis. Ruby: no-op jobs processed per second by a running Sidekiq.
#include <cstdio>
#include <string>

#include "peer.hpp"
#include "resp.hpp"
#include "sidekiq.hpp"

namespace bench {
namespace {

const std::string kQueue = "queue:default";

std::string job_json(const std::string& arg, std::size_t i) {
  char jid[25];
  std::snprintf(jid, sizeof jid, "%024zx", i);
  return "{\"retry\":true,\"queue\":\"default\",\"class\":\"NoopJob\",\"args\":[\"" + arg +
         "\"],\"jid\":\"" + jid +
         "\",\"created_at\":1764300000.123456,\"enqueued_at\":1764300000.123456}";
}

class Sidekiq final : public Peer {
 public:
  explicit Sidekiq(const Args& args) : conn_("127.0.0.1", args.port) {}

  void prepare() override { command({"SADD", "queues", "default"}); }

  void enqueue(std::size_t first, std::size_t count) override { push(kQueue, first, count); }

  // Pushes jobs [first, first + count) onto list; the very last job of a
  // ruby run carries "last" instead of its payload.
  void push(const std::string& list, std::size_t first, std::size_t count,
            std::size_t last = SIZE_MAX) {
    std::string out;
    for (std::size_t i = first; i < first + count; ++i)
      append_command(out, {"LPUSH", list, job_json(i == last ? "last" : payload(i), i)});
    conn_.write_all(out);
    for (std::size_t i = 0; i < count; ++i) read_reply(conn_);
  }

  std::optional<std::string> command(std::initializer_list<std::string_view> words) {
    std::string out;
    append_command(out, words);
    conn_.write_all(out);
    return read_reply(conn_);
  }

  std::size_t work_until_empty() override { fail("sidekiq: drain is measured on its Redis list"); }
  void serve(std::size_t) override { fail("sidekiq: no round trip"); }
  void round_trip(std::size_t) override { fail("sidekiq: no round trip"); }

 private:
  TcpConn conn_;
};

}  // namespace

std::unique_ptr<Peer> make_sidekiq(const Args& args) {
  return std::make_unique<Sidekiq>(args);
}

// The jobs are staged on another list, then RENAMEd onto the queue a running
// Sidekiq fetches from, so the clock starts with every job there at once.
// The job class (written by `compare`) LPUSHes bench:done for the "last" job;
// the jobs are taken in push order, so at most concurrency - 1 jobs can
// still be running then.
int run_sidekiq_ruby(const Args& args) {
  Sidekiq sidekiq(args);
  sidekiq.prepare();
  sidekiq.command({"DEL", "bench:staging", "bench:done"});
  for (std::size_t i = 0; i < args.jobs; i += args.batch)
    sidekiq.push("bench:staging", i, std::min(args.batch, args.jobs - i), args.jobs - 1);
  auto start = Clock::now();
  sidekiq.command({"RENAME", "bench:staging", kQueue});
  if (!sidekiq.command({"BRPOP", "bench:done", "600"}))
    fail("sidekiq: the last job did not finish within 600 s");
  emit_rate(args, args.jobs, seconds_since(start));
  return 0;
}

}  // namespace bench
