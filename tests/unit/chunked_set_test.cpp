// ChunkedSet (core/qdisc/chunked_set.hpp) against std::set: the same answers
// to every insert, erase and lookup, and the same order both ways, through
// appends, front erasure (a queue draining) and random churn that splits and
// merges chunks.
#include <catch2/catch.hpp>
#include <iterator>
#include <random>
#include <set>
#include <vector>

#include "core/qdisc/chunked_set.hpp"

using desaster::ChunkedSet;

namespace {

using Small = ChunkedSet<int, std::less<int>, 8>;

void require_same(const Small& chunked, const std::set<int>& model) {
  REQUIRE(chunked.size() == model.size());
  REQUIRE(chunked.empty() == model.empty());
  REQUIRE(std::vector<int>(chunked.begin(), chunked.end()) ==
          std::vector<int>(model.begin(), model.end()));
  REQUIRE(std::vector<int>(chunked.rbegin(), chunked.rend()) ==
          std::vector<int>(model.rbegin(), model.rend()));
}

}  // namespace

TEST_CASE("chunked set: appends fill chunks and a drain from the front empties them",
          "[chunked_set]") {
  Small chunked;
  std::set<int> model;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(chunked.insert(i));
    model.insert(i);
  }
  REQUIRE_FALSE(chunked.insert(50));
  require_same(chunked, model);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(chunked.erase(i) == 1);
    REQUIRE(chunked.erase(i) == 0);
    model.erase(i);
    if (i % 9 == 0) require_same(chunked, model);
  }
  require_same(chunked, model);
  REQUIRE(chunked.begin() == chunked.end());
}

TEST_CASE("chunked set: random churn answers as std::set does", "[chunked_set]") {
  std::mt19937 rng(20);
  Small chunked;
  std::set<int> model;
  for (int step = 0; step < 20000; ++step) {
    int v = static_cast<int>(rng() % 500);
    if (rng() % 3 != 0) {
      REQUIRE(chunked.insert(v) == model.insert(v).second);
    } else {
      REQUIRE(chunked.erase(v) == model.erase(v));
    }
    int probe = static_cast<int>(rng() % 520) - 10;
    auto lower = chunked.lower_bound(probe);
    auto model_lower = model.lower_bound(probe);
    REQUIRE((lower == chunked.end()) == (model_lower == model.end()));
    if (model_lower != model.end()) REQUIRE(*lower == *model_lower);
    if (model_lower != model.begin() && !model.empty()) {
      REQUIRE(*std::prev(lower) == *std::prev(model_lower));
    }
    REQUIRE(chunked.order_of_key(probe) ==
            static_cast<std::size_t>(std::distance(model.begin(), model_lower)));
    auto upper = chunked.upper_bound(probe);
    auto model_upper = model.upper_bound(probe);
    REQUIRE((upper == chunked.end()) == (model_upper == model.end()));
    if (model_upper != model.end()) REQUIRE(*upper == *model_upper);
    if (step % 997 == 0) require_same(chunked, model);
  }
  require_same(chunked, model);
  chunked.clear();
  REQUIRE(chunked.empty());
  REQUIRE(chunked.begin() == chunked.end());
}
