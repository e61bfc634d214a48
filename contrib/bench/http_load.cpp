// Open-loop HTTP/1.1 load for contrib/bench/http: GETs sent at a constant
// rate, whatever the server's answers do, so a server that queues shows
// its queue in the latency (a closed-loop client such as wrk waits for an
// answer before it sends again and so hides it: coordinated omission).
//
//   http_load URL RATE SECONDS [TIMEOUT] [MAX_CONNS]
//
// URL is http://IPv4:PORT/PATH (loopback in the bench). Request i is due at
// start + i / RATE; it goes out on an idle keep-alive connection, or on a
// new one while fewer than MAX_CONNS (default 8192) are open, else it waits
// in the client (counted: client_wait_max_ms). Every latency is measured
// from the time the request was due, not the time it was sent. A request
// not answered TIMEOUT seconds (default 15) after it was due counts as a
// timeout and its connection is closed. A request that fails on a reused
// keep-alive connection before any byte of its answer came (the server had
// closed it) is sent once more, as every HTTP client does for a GET.
//
// Prints one line of key=value: due, sent, ok (200), s503 (503, and how
// many carried Retry-After), other (any other status), timeouts, errors
// (refused, reset, closed mid-answer), p50/p90/p99/max of the 200s and p99
// of the 503s in ms, the rate reached, and the most connections open.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Request {
  double due = 0;
  bool retried = false;
};

enum class State { connecting, writing, reading, idle };

struct Conn {
  int fd = -1;
  State state = State::connecting;
  Request req;
  bool has_req = false;
  bool dead = false;  // closed; freed after the current batch of events
  int served = 0;     // answers read on this connection before the current one
  std::string out;
  std::size_t out_off = 0;
  std::string in;
};

struct Response {
  int status = 0;
  bool retry_after = false;
  bool close = false;
};

// Lowercased copy, for header names.
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses one complete response at the start of `in`. Returns the bytes it
// took, 0 while incomplete, -1 when malformed. Handles Content-Length,
// chunked and "until close" bodies (the last only with `eof`).
long parse_response(const std::string& in, bool eof, Response& r) {
  auto head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return in.size() > 65536 ? -1 : 0;
  if (in.compare(0, 5, "HTTP/") != 0 || in.size() < 12) return -1;
  bool http10 = in.compare(0, 8, "HTTP/1.0") == 0;
  r.status = std::atoi(in.c_str() + 9);
  if (r.status < 100 || r.status > 999) return -1;
  long length = -1;
  bool chunked = false, keep_alive = false;
  r.close = false;
  r.retry_after = false;
  std::size_t pos = in.find("\r\n") + 2;
  while (pos < head_end) {
    auto eol = in.find("\r\n", pos);
    auto line = in.substr(pos, eol - pos);
    pos = eol + 2;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto name = lower(line.substr(0, colon));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    if (name == "content-length") {
      char* end = nullptr;
      length = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || length < 0 || length > (1l << 30)) return -1;
    } else if (name == "transfer-encoding") {
      chunked = lower(value).find("chunked") != std::string::npos;
    } else if (name == "connection") {
      auto v = lower(value);
      if (v.find("close") != std::string::npos) r.close = true;
      if (v.find("keep-alive") != std::string::npos) keep_alive = true;
    } else if (name == "retry-after") {
      r.retry_after = true;
    }
  }
  if (http10 && !keep_alive) r.close = true;
  std::size_t body = head_end + 4;
  bool no_body = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
  if (no_body) return static_cast<long>(body);
  if (chunked) {
    std::size_t p = body;
    for (;;) {
      auto eol = in.find("\r\n", p);
      if (eol == std::string::npos) return 0;
      char* end = nullptr;
      unsigned long size = std::strtoul(in.c_str() + p, &end, 16);
      if (end == in.c_str() + p || size > (1ul << 30)) return -1;
      p = eol + 2;
      if (size == 0) {
        // Trailers (none expected) end with an empty line.
        auto fin = in.find("\r\n", p);
        while (fin != std::string::npos && fin != p) {
          p = fin + 2;
          fin = in.find("\r\n", p);
        }
        if (fin == std::string::npos) return 0;
        return static_cast<long>(fin + 2);
      }
      if (in.size() < p + size + 2) return 0;
      p += size + 2;
    }
  }
  if (length >= 0) {
    if (in.size() < body + static_cast<std::size_t>(length)) return 0;
    return static_cast<long>(body + length);
  }
  r.close = true;
  return eof ? static_cast<long>(in.size()) : 0;
}

double pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[i == 0 ? 0 : i - 1];
}

struct Load {
  sockaddr_in addr{};
  std::string request;
  double timeout = 15;
  std::size_t max_conns = 8192;
  int ep = -1;

  std::vector<Conn*> idle;
  std::deque<Request> waiting;     // due, no connection free yet
  std::unordered_set<Conn*> open;  // every open connection (for timeouts)
  std::vector<Conn*> graveyard;    // closed during this batch of events
  long in_flight = 0;              // connections carrying a request
  std::size_t peak_conns = 0;
  double client_wait_max = 0;

  long sent = 0, ok = 0, busy = 0, busy_retry_after = 0, other = 0, timeouts = 0, errors = 0;
  std::map<int, long> other_codes;
  std::vector<double> ok_ms, busy_ms;

  void watch(Conn* c, std::uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = c;
    epoll_ctl(ep, op, c->fd, &ev);
  }

  void close_conn(Conn* c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
    ::close(c->fd);
    if (c->state == State::idle) idle.erase(std::remove(idle.begin(), idle.end(), c), idle.end());
    if (c->has_req) --in_flight;
    c->has_req = false;
    c->dead = true;
    open.erase(c);
    graveyard.push_back(c);
  }

  void start_write(Conn* c) {
    c->out = request;
    c->out_off = 0;
    c->in.clear();
    c->state = State::writing;
    ++sent;
    flush(c);
  }

  // Sends `r` on an idle connection or a new one; false when none can be had.
  bool dispatch(const Request& r, double now) {
    Conn* c = nullptr;
    if (!idle.empty()) {
      c = idle.back();
      idle.pop_back();
    } else if (open.size() < max_conns) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) return false;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c = new Conn;
      c->fd = fd;
      open.insert(c);
      peak_conns = std::max(peak_conns, open.size());
      int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
      c->req = r;
      c->has_req = true;
      ++in_flight;
      if (rc == 0) {
        watch(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP, EPOLL_CTL_ADD);
        start_write(c);
      } else if (errno == EINPROGRESS) {
        c->state = State::connecting;
        watch(c, EPOLLOUT, EPOLL_CTL_ADD);
      } else {
        ++errors;
        close_conn(c);
      }
      client_wait_max = std::max(client_wait_max, now - r.due);
      return true;
    } else {
      return false;
    }
    c->req = r;
    c->has_req = true;
    ++in_flight;
    client_wait_max = std::max(client_wait_max, now - r.due);
    watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
    start_write(c);
    return true;
  }

  void flush(Conn* c) {
    while (c->out_off < c->out.size()) {
      auto n = ::send(c->fd, c->out.data() + c->out_off, c->out.size() - c->out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c->out_off += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EAGAIN) {
        watch(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP, EPOLL_CTL_MOD);
        return;
      } else {
        fail(c);
        return;
      }
    }
    c->state = State::reading;
    watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
  }

  // The connection broke while it carried a request.
  void fail(Conn* c) {
    if (c->has_req && c->served > 0 && c->in.empty() && !c->req.retried) {
      Request again = c->req;
      again.retried = true;
      --sent;
      waiting.push_front(again);  // the server had closed an idle keep-alive connection
    } else if (c->has_req) {
      ++errors;
    }
    close_conn(c);
  }

  void on_event(Conn* c, std::uint32_t ev, double now) {
    if (c->state == State::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
        ++errors;
        close_conn(c);
        return;
      }
      start_write(c);
      return;
    }
    if (c->state == State::writing && (ev & EPOLLOUT)) {
      flush(c);
      if (c->state != State::reading) return;
    }
    if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    bool eof = false;
    char buf[16384];
    for (;;) {
      auto n = ::recv(c->fd, buf, sizeof buf, 0);
      if (n > 0) {
        c->in.append(buf, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buf) break;
      } else if (n == 0) {
        eof = true;
        break;
      } else if (errno == EAGAIN) {
        break;
      } else {
        eof = true;
        break;
      }
    }
    if (c->state == State::idle) {  // closed by the server while unused
      close_conn(c);
      return;
    }
    Response r;
    long used = parse_response(c->in, eof, r);
    if (used < 0 || (used == 0 && eof)) {
      fail(c);
      return;
    }
    if (used == 0) return;
    double ms = (now - c->req.due) * 1000.0;
    if (r.status == 200) {
      ++ok;
      ok_ms.push_back(ms);
    } else if (r.status == 503) {
      ++busy;
      if (r.retry_after) ++busy_retry_after;
      busy_ms.push_back(ms);
    } else {
      ++other;
      ++other_codes[r.status];
    }
    c->has_req = false;
    --in_flight;
    ++c->served;
    c->in.clear();
    if (r.close || eof) {
      close_conn(c);
    } else {
      c->state = State::idle;
      idle.push_back(c);
    }
  }

  void expire(double now) {
    std::vector<Conn*> late;
    for (auto* c : open)
      if (c->has_req && now - c->req.due > timeout) late.push_back(c);
    for (auto* c : late) {
      ++timeouts;
      close_conn(c);
    }
    while (!waiting.empty() && now - waiting.front().due > timeout) {
      ++timeouts;
      waiting.pop_front();
    }
  }
};

bool parse_url(const std::string& url, Load& l) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  auto path = slash == std::string::npos ? std::string("/") : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  auto host = hostport.substr(0, colon);
  int port = std::atoi(hostport.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return false;
  l.addr.sin_family = AF_INET;
  l.addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &l.addr.sin_addr) != 1) return false;
  l.request =
      "GET " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nUser-Agent: http_load\r\n\r\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: http_load URL RATE SECONDS [TIMEOUT] [MAX_CONNS]\n");
    return 2;
  }
  Load l;
  if (!parse_url(argv[1], l)) {
    std::fprintf(stderr, "http_load: URL must be http://IPv4:PORT/PATH\n");
    return 2;
  }
  double rate = std::atof(argv[2]);
  double seconds = std::atof(argv[3]);
  if (argc > 4) l.timeout = std::atof(argv[4]);
  if (argc > 5) l.max_conns = static_cast<std::size_t>(std::atol(argv[5]));
  if (!(rate > 0) || !(seconds > 0) || !(l.timeout > 0) || l.max_conns == 0) {
    std::fprintf(stderr, "http_load: RATE, SECONDS, TIMEOUT and MAX_CONNS must be positive\n");
    return 2;
  }
  auto total = static_cast<long>(rate * seconds);
  l.ep = epoll_create1(EPOLL_CLOEXEC);
  // The timer ticks once per request due (at most every 50 µs), so a
  // request goes out within microseconds of its time, not a millisecond.
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  double tick = std::max(1.0 / rate, 50e-6);
  itimerspec its{};
  its.it_interval.tv_sec = static_cast<time_t>(tick);
  its.it_interval.tv_nsec = static_cast<long>((tick - std::floor(tick)) * 1e9);
  its.it_value = its.it_interval;
  timerfd_settime(tfd, 0, &its, nullptr);
  epoll_event tev{};
  tev.events = EPOLLIN;
  tev.data.ptr = nullptr;
  epoll_ctl(l.ep, EPOLL_CTL_ADD, tfd, &tev);

  double start = now_s();
  long due = 0;
  double last_expire = start;
  std::vector<epoll_event> events(1024);
  for (;;) {
    double now = now_s();
    while (due < total && start + static_cast<double>(due) / rate <= now) {
      l.waiting.push_back(Request{start + static_cast<double>(due) / rate, false});
      ++due;
    }
    // Popped before it is sent: a send that fails at once may put a retry
    // at the front.
    while (!l.waiting.empty()) {
      Request r = l.waiting.front();
      l.waiting.pop_front();
      if (!l.dispatch(r, now)) {
        l.waiting.push_front(r);
        break;
      }
    }
    if (now - last_expire > 0.05) {
      l.expire(now);
      last_expire = now;
    }
    if (due >= total && l.waiting.empty() && l.in_flight == 0) break;
    int n = epoll_wait(l.ep, events.data(), static_cast<int>(events.size()), 50);
    now = now_s();
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        std::uint64_t ticks;
        while (::read(tfd, &ticks, sizeof ticks) > 0) {
        }
        continue;
      }
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      if (!c->dead) l.on_event(c, events[i].events, now);
    }
    for (auto* c : l.graveyard) delete c;
    l.graveyard.clear();
  }
  double elapsed = now_s() - start;
  std::string codes;
  for (auto& [code, count] : l.other_codes)
    codes += (codes.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(count);
  std::printf(
      "due=%ld sent=%ld ok=%ld s503=%ld retry_after=%ld other=%ld other_codes=%s "
      "timeouts=%ld errors=%ld p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      "s503_p99_ms=%.2f rate=%.1f peak_conns=%zu client_wait_max_ms=%.1f\n",
      due, l.sent, l.ok, l.busy, l.busy_retry_after, l.other, codes.empty() ? "-" : codes.c_str(),
      l.timeouts, l.errors, pct(l.ok_ms, 0.5), pct(l.ok_ms, 0.9), pct(l.ok_ms, 0.99),
      l.ok_ms.empty() ? 0.0 : *std::max_element(l.ok_ms.begin(), l.ok_ms.end()),
      pct(l.busy_ms, 0.99), static_cast<double>(l.ok + l.busy + l.other) / elapsed, l.peak_conns,
      l.client_wait_max * 1000.0);
  return 0;
}
