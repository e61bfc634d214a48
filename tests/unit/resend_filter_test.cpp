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
