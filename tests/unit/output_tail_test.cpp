// The output tail keeps exactly the newest bytes, however the writes fall.
#include <catch2/catch.hpp>

#include <string>

#include "workers/shell/output_tail.hpp"

using desaster::OutputTail;

TEST_CASE("output shorter than the tail is kept whole", "[shell][tail]") {
  OutputTail tail(16);
  tail.append("hello ");
  tail.append("world");
  CHECK(tail.str() == "hello world");
  CHECK(tail.total_bytes() == 11);
}

TEST_CASE("output longer than the tail keeps the newest bytes across wraps", "[shell][tail]") {
  OutputTail tail(10);
  std::string all;
  // Write sizes that land the ring's write position everywhere, including
  // exactly on the end and past it.
  for (int i = 0; i < 200; ++i) {
    const std::string chunk(static_cast<std::size_t>(i % 13), static_cast<char>('a' + i % 26));
    tail.append(chunk);
    all += chunk;
    REQUIRE(tail.str() == all.substr(all.size() > 10 ? all.size() - 10 : 0));
  }
  CHECK(tail.total_bytes() == all.size());
}

TEST_CASE("one write longer than the tail keeps its own last bytes", "[shell][tail]") {
  OutputTail tail(4);
  tail.append("ab");
  tail.append("0123456789");
  CHECK(tail.str() == "6789");
  tail.append("x");
  CHECK(tail.str() == "789x");
}

TEST_CASE("a tail of zero bytes keeps nothing but counts", "[shell][tail]") {
  OutputTail tail(0);
  tail.append("abc");
  CHECK(tail.str().empty());
  CHECK(tail.total_bytes() == 3);
}
