// A raw Redis list as a job queue, Resque's model: LPUSH to enqueue, RPOP to
// take (nil: empty), nothing kept about a job once popped. A pipeline is many
// LPUSHes written at once. The round trip is RPC over lists: the worker
// blocks in BRPOP on the job list and LPUSHes a reply the client BRPOPs.
#include "peer.hpp"
#include "resp.hpp"

namespace bench {
namespace {

class Redis final : public Peer {
 public:
  explicit Redis(const Args& args) : conn_("127.0.0.1", args.port), key_(queue_name()) {}

  void enqueue(std::size_t first, std::size_t count) override {
    std::string out;
    for (std::size_t i = first; i < first + count; ++i)
      append_command(out, {"LPUSH", key_, payload(i)});
    conn_.write_all(out);
    for (std::size_t i = 0; i < count; ++i) read_reply(conn_);
  }

  std::size_t work_until_empty() override {
    std::string rpop;
    append_command(rpop, {"RPOP", key_});
    std::size_t done = 0;
    for (;;) {
      conn_.write_all(rpop);
      if (!read_reply(conn_)) return done;
      ++done;
    }
  }

  void serve(std::size_t count) override {
    std::string take, reply;
    append_command(take, {"BRPOP", key_, "0"});
    append_command(reply, {"LPUSH", key_ + "-reply", "done"});
    for (std::size_t i = 0; i < count; ++i) {
      conn_.write_all(take);
      read_reply(conn_);
      conn_.write_all(reply);
      read_reply(conn_);
    }
  }

  void round_trip(std::size_t i) override {
    std::string out;
    append_command(out, {"LPUSH", key_, payload(i)});
    conn_.write_all(out);
    read_reply(conn_);
    out.clear();
    append_command(out, {"BRPOP", key_ + "-reply", "0"});
    conn_.write_all(out);
    read_reply(conn_);
  }

 private:
  TcpConn conn_;
  std::string key_;
};

}  // namespace

std::unique_ptr<Peer> make_redis(const Args& args) {
  return std::make_unique<Redis>(args);
}

}  // namespace bench
