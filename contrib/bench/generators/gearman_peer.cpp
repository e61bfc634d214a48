// gearmand's binary protocol (gearman.org/protocol): a packet is
// "\0REQ" or "\0RES", a 32-bit big-endian type, a 32-bit size, then the
// arguments separated by NUL. Enqueue is SUBMIT_JOB_BG (background: the
// server keeps the job, the client only gets its handle); a pipeline is many
// submits written at once. Workers declare CAN_DO, then GRAB_JOB until
// NO_JOB, reporting WORK_COMPLETE. The round trip is a foreground SUBMIT_JOB:
// the client waits for WORK_COMPLETE; an idle worker sleeps with PRE_SLEEP
// until the server wakes it with NOOP.
#include <cstdint>
#include <string>

#include "peer.hpp"
#include "tcp_conn.hpp"

namespace bench {
namespace {

enum Type : std::uint32_t {
  kCanDo = 1,
  kPreSleep = 4,
  kNoop = 6,
  kSubmitJob = 7,
  kJobCreated = 8,
  kGrabJob = 9,
  kNoJob = 10,
  kJobAssign = 11,
  kWorkComplete = 13,
  kSubmitJobBg = 18,
  kError = 19,
};

struct Packet {
  std::uint32_t type = 0;
  std::string data;
};

void append_packet(std::string& out, std::uint32_t type, const std::string& data) {
  out.append("\0REQ", 4);
  for (std::uint32_t v : {type, static_cast<std::uint32_t>(data.size())})
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
  out += data;
}

std::uint32_t be32(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < 4; ++k) v = v << 8 | static_cast<unsigned char>(bytes[at + k]);
  return v;
}

class Gearman final : public Peer {
 public:
  explicit Gearman(const Args& args) : conn_("127.0.0.1", args.port), function_(queue_name()) {}

  void enqueue(std::size_t first, std::size_t count) override {
    std::string out;
    for (std::size_t i = first; i < first + count; ++i) append_submit(out, kSubmitJobBg, i);
    conn_.write_all(out);
    for (std::size_t i = 0; i < count; ++i) expect(read(), kJobCreated);
  }

  std::size_t work_until_empty() override {
    send(kCanDo, function_);
    std::size_t done = 0;
    for (;;) {
      send(kGrabJob, "");
      Packet p = read();
      if (p.type == kNoJob) return done;
      complete(p);
      ++done;
    }
  }

  void serve(std::size_t count) override {
    send(kCanDo, function_);
    for (std::size_t done = 0; done < count;) {
      send(kGrabJob, "");
      Packet p = read();
      if (p.type == kNoJob) {
        send(kPreSleep, "");
        expect(read(), kNoop);
        continue;
      }
      complete(p);
      ++done;
    }
  }

  void round_trip(std::size_t i) override {
    std::string out;
    append_submit(out, kSubmitJob, i);
    conn_.write_all(out);
    expect(read(), kJobCreated);
    expect(read(), kWorkComplete);
  }

 private:
  // An empty unique id: gearmand makes one, so no two jobs are coalesced.
  void append_submit(std::string& out, std::uint32_t type, std::size_t i) {
    append_packet(out, type, function_ + std::string(2, '\0') + payload(i));
  }

  void send(std::uint32_t type, const std::string& data) {
    std::string out;
    append_packet(out, type, data);
    conn_.write_all(out);
  }

  Packet read() {
    std::string header = conn_.read_exact(12);
    if (header.compare(0, 4, std::string("\0RES", 4)) != 0) fail("gearman: bad packet magic");
    Packet p{be32(header, 4), conn_.read_exact(be32(header, 8))};
    if (p.type == kError) fail("gearman: error " + p.data);
    return p;
  }

  static void expect(const Packet& p, std::uint32_t type) {
    if (p.type != type)
      fail("gearman: expected packet " + std::to_string(type) + ", got " + std::to_string(p.type));
  }

  // p is JOB_ASSIGN "handle\0function\0data": completes it with no result.
  void complete(const Packet& p) {
    expect(p, kJobAssign);
    send(kWorkComplete, p.data.substr(0, p.data.find('\0')) + std::string(1, '\0'));
  }

  TcpConn conn_;
  std::string function_;
};

}  // namespace

std::unique_ptr<Peer> make_gearman(const Args& args) {
  return std::make_unique<Gearman>(args);
}

}  // namespace bench
