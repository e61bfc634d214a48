#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "transport/http_front/http_options.hpp"
#include "transport/http_front/wait_queue.hpp"

using namespace desaster;
using namespace desaster::http_front;

namespace {

// Starts `free` items (any), in the order the queue offers them.
std::vector<std::string> start_some(WaitQueue<std::string>& q, int free) {
  std::vector<std::string> started;
  q.drain(
      [&](const std::string& item) {
        if (free == 0) return false;
        --free;
        started.push_back(item);
        return true;
      },
      [](const std::string&) { return false; });
  return started;
}

}  // namespace

TEST_CASE("waiting HTTP requests of one flow go in arrival order", "[http]") {
  WaitQueue<std::string> q;
  for (const char* item : {"a", "b", "c"}) q.push_back("", item);
  CHECK(q.size() == 3);
  CHECK(start_some(q, 2) == std::vector<std::string>{"a", "b"});
  CHECK(q.size() == 1);
  CHECK(start_some(q, 5) == std::vector<std::string>{"c"});
  CHECK(q.empty());
}

TEST_CASE("a noisy client's waiting requests take turns with a quiet one's", "[http]") {
  WaitQueue<std::string> q;
  for (int i = 0; i < 100; ++i) q.push_back("10.0.0.1", "noisy" + std::to_string(i));
  q.push_back("10.0.0.2", "quiet0");
  q.push_back("10.0.0.2", "quiet1");
  // The quiet client's first request goes second, not 101st.
  CHECK(start_some(q, 4) == std::vector<std::string>{"noisy0", "quiet0", "noisy1", "quiet1"});
  CHECK(q.size() == 98);
  CHECK(start_some(q, 2) == std::vector<std::string>{"noisy2", "noisy3"});
}

TEST_CASE("a request that cannot start keeps its place and a retry goes first", "[http]") {
  WaitQueue<std::string> q;
  q.push_back("x", "x0", "x");
  q.push_back("y", "y0", "y");
  q.push_back("y", "y1", "y");
  std::vector<std::string> started;
  // Only y's requests have a free worker.
  q.drain(
      [&](const std::string& item) {
        if (item[0] != 'y') return false;
        started.push_back(item);
        return true;
      },
      [](const std::string&) { return false; });
  CHECK(started == std::vector<std::string>{"y0", "y1"});
  q.push_front("y", "retried", "y");
  CHECK(start_some(q, 1) == std::vector<std::string>{"retried"});
  CHECK(start_some(q, 1) == std::vector<std::string>{"x0"});
}

TEST_CASE("after one refusal a drain offers no other request of that queue", "[http]") {
  WaitQueue<std::string> q;
  for (int i = 0; i < 1000; ++i) q.push_back("", "busy" + std::to_string(i), "busy");
  q.push_back("", "free0", "free");
  int offered = 0;
  std::vector<std::string> started;
  q.drain(
      [&](const std::string& item) {
        ++offered;
        if (item.rfind("busy", 0) == 0) return false;
        started.push_back(item);
        return true;
      },
      [](const std::string&) { return false; });
  // One refusal for the busy queue, then the other queue's request.
  CHECK(offered == 2);
  CHECK(started == std::vector<std::string>{"free0"});
  CHECK(q.size() == 1000);
}

TEST_CASE("waiting requests past their deadline or gone leave the wait queue", "[http]") {
  WaitQueue<std::string> q;
  q.push_back("a", "a1");
  q.push_back("a", "a5");
  q.push_back("b", "b3");
  q.push_back("b", "bgone9");
  auto deadline = [](const std::string& item) {
    return static_cast<std::uint64_t>(item.back() - '0');
  };
  auto gone = [](const std::string& item) { return item.find("gone") != std::string::npos; };
  CHECK(q.earliest(deadline) == 1u);
  std::vector<std::string> expired;
  q.expire(3, deadline, gone, [&](const std::string& item) { expired.push_back(item); });
  CHECK(expired == std::vector<std::string>{"a1", "b3"});
  CHECK(q.size() == 1);
  CHECK(q.earliest(deadline) == 5u);
  CHECK(q.take_all() == std::vector<std::string>{"a5"});
  CHECK(q.empty());
  CHECK(!q.earliest(deadline));
}

TEST_CASE("a newcomer's wait is estimated from how fast the oldest's queue drained", "[http]") {
  // The oldest waited 2 s while the 100 ahead of it started: 50 a second;
  // 300 waiting now take 6 s.
  CHECK(expected_wait_ms(2000, 100, 300) == 6000u);
  // Half as many waiting as were ahead of it: the queue shrinks.
  CHECK(expected_wait_ms(2000, 100, 50) == 1000u);
  // Nothing was ahead of it (nothing drained yet): its age, a lower bound.
  CHECK(expected_wait_ms(1500, 0, 40) == 1500u);
  CHECK(expected_wait_ms(0, 0, 0) == 0u);
  // No overflow, whatever the figures.
  CHECK(expected_wait_ms(UINT64_MAX / 2, 1, 8192) == UINT64_MAX);
}

TEST_CASE("the oldest waiting request is the earliest first of any flow", "[http]") {
  WaitQueue<std::string> q;
  CHECK(q.oldest([](const std::string& s) { return s; }) == nullptr);
  q.push_back("a", "3");
  q.push_back("a", "9");
  q.push_back("b", "2");
  q.push_back("b", "1");  // not first in its flow: a flow is read off its front
  const std::string* oldest = q.oldest([](const std::string& s) { return s; });
  REQUIRE(oldest != nullptr);
  CHECK(*oldest == "2");
}

TEST_CASE("the http flow option takes addr or host", "[http]") {
  HttpFrontOptions o;
  CHECK(apply_http_flag("http-flow", "host", o).ok());
  CHECK(o.flow_by_host);
  CHECK(apply_http_flag("http-flow", "addr", o).ok());
  CHECK(!o.flow_by_host);
  CHECK(apply_http_flag("http-flow", "cookie", o).message ==
        "--http-flow: 'cookie' is neither addr nor host");
}
