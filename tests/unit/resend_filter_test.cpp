// The node drops the second copy of a request a client resent on one
// connection (resend_filter.hpp), and nothing else.
#include <catch2/catch.hpp>

#include "core/node/resend_filter.hpp"

using namespace desaster;

TEST_CASE("a request id repeated on its connection is dropped once", "[unit][upgrade]") {
  ResendFilter filter;
  CHECK_FALSE(filter.repeated("a", 1));
  CHECK(filter.repeated("a", 1));
  CHECK_FALSE(filter.repeated("a", 2));
  // Another connection may use the same ids.
  CHECK_FALSE(filter.repeated("b", 2));
  CHECK(filter.repeated("b", 2));
  // Id 0 wants no reply and is never taken for a copy.
  CHECK_FALSE(filter.repeated("a", 0));
  CHECK_FALSE(filter.repeated("a", 0));
}

TEST_CASE("the resend filter stays bounded", "[unit][upgrade]") {
  ResendFilter filter;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < ResendFilter::kMaxConnections + 10; ++i) {
    dropped += filter.repeated("c" + std::to_string(i), 7);
  }
  CHECK(dropped == 0);
  CHECK(filter.size() <= ResendFilter::kMaxConnections);
}

TEST_CASE("copies of several pipelined requests are dropped in any order", "[unit][upgrade]") {
  ResendFilter filter;
  // 5 was lost with the old connection, 6 and 7 were still queued: the new
  // connection carries 6 7, then the resends 5 6 7.
  CHECK_FALSE(filter.repeated("a", 6));
  CHECK_FALSE(filter.repeated("a", 7));
  CHECK_FALSE(filter.repeated("a", 5));
  CHECK(filter.repeated("a", 6));
  CHECK(filter.repeated("a", 7));
  CHECK(filter.repeated("a", 5));
  CHECK_FALSE(filter.repeated("a", 8));
}

TEST_CASE("the resend window reaches 63 ids back and passes older ones", "[unit][upgrade]") {
  ResendFilter filter;
  CHECK_FALSE(filter.repeated("a", 100));
  CHECK_FALSE(filter.repeated("a", 163));  // 100 is 63 behind: still known
  CHECK(filter.repeated("a", 100));
  CHECK_FALSE(filter.repeated("a", 164));  // 100 is 64 behind now: forgotten
  CHECK_FALSE(filter.repeated("a", 100));
  // A jump past the window forgets everything below it.
  CHECK_FALSE(filter.repeated("a", 1'000));
  CHECK_FALSE(filter.repeated("a", 164));
  CHECK(filter.repeated("a", 1'000));
  // The highest id there is does not overflow the shift.
  CHECK_FALSE(filter.repeated("a", UINT64_MAX));
  CHECK(filter.repeated("a", UINT64_MAX));
  CHECK_FALSE(filter.repeated("a", UINT64_MAX - 1));
}
