// beanstalkd's text protocol (doc/protocol.txt): put / reserve / delete on a
// tube of this run. A pipeline is many puts written at once, then their
// INSERTED lines read; beanstalkd answers a connection's commands in order.
// The round trip is the usual RPC over beanstalkd: the job goes into one
// tube, the worker puts its result into a reply tube the client reserves.
#include <string>

#include "peer.hpp"
#include "tcp_conn.hpp"

namespace bench {
namespace {

class Beanstalkd final : public Peer {
 public:
  explicit Beanstalkd(const Args& args) : conn_("127.0.0.1", args.port) {}

  void prepare() override {
    use(queue_name());
    watch_only(queue_name() + "-reply");
  }

  void enqueue(std::size_t first, std::size_t count) override {
    std::string out;
    for (std::size_t i = first; i < first + count; ++i) append_put(out, payload(i));
    conn_.write_all(out);
    for (std::size_t i = 0; i < count; ++i) expect_prefix(conn_.read_line(), "INSERTED ");
  }

  std::size_t work_until_empty() override {
    watch_only(queue_name());
    std::size_t done = 0;
    for (;;) {
      conn_.write_all("reserve-with-timeout 0\r\n");
      std::string line = conn_.read_line();
      if (line == "TIMED_OUT") return done;
      delete_reserved(line);
      ++done;
    }
  }

  void serve(std::size_t count) override {
    watch_only(queue_name());
    use(queue_name() + "-reply");
    for (std::size_t i = 0; i < count; ++i) {
      conn_.write_all("reserve\r\n");
      std::string id = take_reserved(conn_.read_line());
      std::string out;
      append_put(out, "done");
      conn_.write_all(out);
      expect_prefix(conn_.read_line(), "INSERTED ");
      delete_job(id);
    }
  }

  void round_trip(std::size_t i) override {
    enqueue(i, 1);
    conn_.write_all("reserve\r\n");
    delete_reserved(conn_.read_line());
  }

 private:
  static void append_put(std::string& out, const std::string& body) {
    out += "put 1024 0 60 " + std::to_string(body.size()) + "\r\n";
    out += body;
    out += "\r\n";
  }

  static void expect_prefix(const std::string& line, const std::string& prefix) {
    if (line.compare(0, prefix.size(), prefix) != 0)
      fail("beanstalkd: expected " + prefix + "..., got '" + line + "'");
  }

  void use(const std::string& tube) {
    conn_.write_all("use " + tube + "\r\n");
    expect_prefix(conn_.read_line(), "USING ");
  }

  void watch_only(const std::string& tube) {
    conn_.write_all("watch " + tube + "\r\nignore default\r\n");
    expect_prefix(conn_.read_line(), "WATCHING ");
    expect_prefix(conn_.read_line(), "WATCHING ");
  }

  // line is "RESERVED <id> <bytes>": reads the body, returns the id.
  std::string take_reserved(const std::string& line) {
    expect_prefix(line, "RESERVED ");
    std::size_t id_end = line.find(' ', 9);
    conn_.read_exact(std::stoul(line.substr(id_end + 1)) + 2);
    return line.substr(9, id_end - 9);
  }

  void delete_job(const std::string& id) {
    conn_.write_all("delete " + id + "\r\n");
    expect_prefix(conn_.read_line(), "DELETED");
  }

  void delete_reserved(const std::string& line) { delete_job(take_reserved(line)); }

  TcpConn conn_;
};

}  // namespace

std::unique_ptr<Peer> make_beanstalkd(const Args& args) {
  return std::make_unique<Beanstalkd>(args);
}

}  // namespace bench
