// QdiscConfig: validation, the codec, and malformed input for the config
// and accounting decoders.
#include <catch2/catch.hpp>
#include <functional>
#include <limits>

#include "core/qdisc/qdisc_config_codec.hpp"
#include "tests/unit/qdisc_test_support.hpp"

using namespace desaster;
using namespace desaster::testing;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

QdiscConfig full_htb() {
  QdiscConfig c = qconfig(QdiscKind::htb);
  c.aging_ms = 7;
  c.quantum = 3;
  c.classes = {HtbClass{"root", "", 100'000, 0, 5, 6}, HtbClass{"mail", "root", 500, 2'000, 1, 2},
               HtbClass{"rest", "root", 10'000, 100'000, 3, 4}};
  c.rules = {HtbRule{"mail:*", "Mailer", "", "mail"}, HtbRule{"", "", "cust-1", "mail"}};
  c.default_class = "rest";
  return c;
}

std::string bytes_of(const std::function<void(Packer&)>& write) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  write(pk);
  return std::string(buffer.data(), buffer.size());
}

std::string config_error(std::string_view bytes) {
  Result<QdiscConfig> decoded = decode_qdisc_config(bytes);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code == ErrorCode::corrupt);
  return decoded.status().message;
}

std::string invalid(const QdiscConfig& c) {
  Status s = validate(c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code == ErrorCode::bad_request);
  return s.message;
}

// [1, kind, aging, quantum, classes, rules, default] with one field replaced.
std::string config_bytes(std::size_t replace, const std::function<void(Packer&)>& with) {
  return bytes_of([&](Packer& pk) {
    pk.pack_array(7);
    std::function<void(Packer&)> fields[7] = {[](Packer& p) { p.pack(1); },
                                              [](Packer& p) { p.pack(1); },
                                              [](Packer& p) { p.pack(0); },
                                              [](Packer& p) { p.pack(1); },
                                              [](Packer& p) { p.pack_array(0); },
                                              [](Packer& p) { p.pack_array(0); },
                                              [](Packer& p) { p.pack(std::string()); }};
    for (std::size_t i = 0; i < 7; ++i) (i == replace ? with : fields[i])(pk);
  });
}

}  // namespace

TEST_CASE("a qdisc configuration survives the codec", "[qdisc][codec]") {
  for (const QdiscConfig& c : {full_htb(), qconfig(QdiscKind::fifo), qconfig(QdiscKind::sfq)}) {
    std::string bytes = encode_qdisc_config(c);
    Result<QdiscConfig> decoded = decode_qdisc_config(bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == c);
    CHECK(encode_qdisc_config(*decoded) == bytes);
  }
}

TEST_CASE("validation names what is wrong with a configuration", "[qdisc][codec]") {
  QdiscConfig c = full_htb();
  c.classes[1].parent = "nope";
  CHECK(invalid(c) == "qdisc.classes[1].parent: no class 'nope' before it");
  c = full_htb();
  c.classes[2].name = "mail";
  CHECK(invalid(c) == "qdisc.classes[2].name: 'mail' is repeated");
  c = full_htb();
  c.classes[1].ceil_milli = 100;
  CHECK(invalid(c) == "qdisc.classes[1].ceil_milli: below the rate");
  c = full_htb();
  c.classes[1].rate_milli = 0;
  c.classes[1].ceil_milli = 0;
  CHECK(invalid(c).find("qdisc.classes[1].ceil_milli: a class with neither") == 0);
  c = full_htb();
  c.rules[0].target = "root";
  CHECK(invalid(c) == "qdisc.rules[0].target: 'root' has children; jobs go to leaves");
  c = full_htb();
  c.default_class = "";
  CHECK(invalid(c) == "qdisc.default_class: no class ''");
  c = full_htb();
  c.classes[0].burst = 0;
  CHECK(invalid(c).find("qdisc.classes[0].burst: must be 1 to") == 0);
  c = qconfig(QdiscKind::sfq);
  c.quantum = 0;
  CHECK(invalid(c).find("qdisc.quantum: must be 1 to") == 0);
  c = qconfig(QdiscKind::priority);
  c.aging_ms = 0x80000000u;
  CHECK(invalid(c).find("qdisc.aging_ms: above") == 0);
  c = qconfig(QdiscKind::fifo);
  c.default_class = "x";
  CHECK(invalid(c) == "qdisc.classes: classes and rules belong to htb only");
  CHECK(invalid(qconfig(QdiscKind::htb)) == "qdisc.classes: htb needs at least one class");
  CHECK(make_qdisc(qconfig(QdiscKind::htb)).status().code == ErrorCode::bad_request);
}

TEST_CASE("malformed qdisc configurations are refused with the field named", "[qdisc][codec]") {
  CHECK(config_error("") == "qdisc is empty");
  std::string good = encode_qdisc_config(full_htb());
  CHECK(config_error(good.substr(0, good.size() - 3)).find("qdisc is truncated") == 0);
  CHECK(config_error(good + "x") == "qdisc has 1 trailing bytes after its message");
  CHECK(config_error(bytes_of([](Packer& pk) { pk.pack(5); })) ==
        "qdisc: must be an array, not an integer");
  CHECK(config_error(bytes_of([](Packer& pk) {
          pk.pack_array(2);
          pk.pack(1);
          pk.pack(1);
        })) == "qdisc: expected 7 fields, got 2");
  CHECK(config_error(config_bytes(0, [](Packer& p) { p.pack(2); })) ==
        "qdisc.version: unsupported version 2");
  CHECK(config_error(config_bytes(1, [](Packer& p) { p.pack(9); })) ==
        "qdisc.kind: has unknown value 9");
  CHECK(config_error(config_bytes(2, [](Packer& p) { p.pack(-1); })) ==
        "qdisc.aging_ms: must be an integer in [0, 4294967295]");
  CHECK(config_error(config_bytes(3, [](Packer& p) { p.pack(std::uint64_t{1} << 40); })) ==
        "qdisc.quantum: must be an integer in [0, 4294967295]");
  CHECK(config_error(config_bytes(4, [](Packer& p) {
          p.pack_array(1);
          p.pack_array(6);
          p.pack(std::string("a"));
          p.pack(std::string(""));
          p.pack(std::string("fast"));
        })).find("qdisc is truncated") == 0);  // claims 6 fields but holds 3
  CHECK(
      config_error(config_bytes(4,
                                [](Packer& p) {
                                  p.pack_array(1);
                                  p.pack_array(6);
                                  for (int i = 0; i < 2; ++i) p.pack(std::string("a"));
                                  p.pack(std::string("fast"));
                                  for (int i = 0; i < 3; ++i) p.pack(1);
                                })) ==
      "qdisc.classes[0].rate_milli: must be an integer in [0, 18446744073709551615], not a string");
  CHECK(config_error(config_bytes(5, [](Packer& p) {
          p.pack_array(1);
          p.pack_array(3);
          for (int i = 0; i < 3; ++i) p.pack(std::string("a"));
        })) == "qdisc.rules[0]: expected 4 fields, got 3");
  CHECK(config_error(config_bytes(6, [](Packer& p) { p.pack_map(0); })) ==
        "qdisc.default_class: must be binary or a string, not a map");
  // Well formed but invalid: validate's message, as corrupt.
  CHECK(config_error(config_bytes(3, [](Packer& p) { p.pack(0); })) ==
        "qdisc.quantum: must be 1 to 1000000");
  CHECK(config_error(config_bytes(4, [](Packer& p) {
          p.pack_array(kMaxHtbClasses + 1);
          for (std::size_t i = 0; i <= kMaxHtbClasses; ++i) p.pack_nil();
        })) == "qdisc.classes: more than 256 elements");
}

TEST_CASE("malformed or mismatched accounting is refused and changes nothing", "[qdisc][codec]") {
  auto sfq = make(qconfig(QdiscKind::sfq));
  insert_all(*sfq, {qentry(1, "A"), qentry(2, "B"), qentry(3, "B"), qentry(4, "A")});
  drain(*sfq, 0, 1);  // A took job 1 and went behind B
  std::string before = sfq->encode_accounting();
  auto refuse = [&](Qdisc& q, std::string_view bytes) {
    std::string kept = q.encode_accounting();
    Status s = q.decode_accounting(bytes);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code == ErrorCode::corrupt);
    CHECK(q.encode_accounting() == kept);
    return s.message;
  };
  CHECK(refuse(*sfq, "") == "qdisc accounting is empty");
  CHECK(refuse(*sfq, make(qconfig(QdiscKind::fifo))->encode_accounting()) ==
        "qdisc accounting.kind: accounting of fifo, not of sfq");
  auto sfq_body = [](std::uint32_t deficit, std::vector<std::string> flows) {
    return bytes_of([&](Packer& pk) {
      pk.pack_array(3);
      pk.pack(1);
      pk.pack(2);
      pk.pack_array(2);
      pk.pack(deficit);
      pk.pack_array(static_cast<std::uint32_t>(flows.size()));
      for (const auto& f : flows) pk.pack(f);
    });
  };
  CHECK(refuse(*sfq, sfq_body(0, {"B"})) == "qdisc accounting.body.ring: 1 flows, but 2 hold jobs");
  CHECK(refuse(*sfq, sfq_body(0, {"B", "C"})) ==
        "qdisc accounting.body.ring[1]: no jobs of flow 'C'");
  CHECK(refuse(*sfq, sfq_body(0, {"B", "B"})) ==
        "qdisc accounting.body.ring[1]: flow 'B' is repeated");
  CHECK(refuse(*sfq, sfq_body(1, {"B", "A"})) ==
        "qdisc accounting.body.front_deficit: not below the quantum 1");
  REQUIRE(sfq->decode_accounting(sfq_body(0, {"A", "B"})).ok());
  CHECK(sfq->plan(0, 5) == std::vector<JobId>{4, 2, 3});
  REQUIRE(sfq->decode_accounting(before).ok());
  CHECK(sfq->plan(0, 5) == std::vector<JobId>{2, 4, 3});

  auto htb = make(two_leaf_htb(20, 10, 15, 10, 20));
  insert_all(*htb, {qentry(1, "a")});
  std::string good = htb->encode_accounting();
  auto htb_body = [](std::string second_name, std::int64_t tokens) {
    return bytes_of([&](Packer& pk) {
      pk.pack_array(3);
      pk.pack(1);
      pk.pack(3);
      pk.pack_array(2);
      pk.pack(0);
      pk.pack_array(3);
      for (std::string name : {std::string("root"), second_name, std::string("b")}) {
        pk.pack_array(6);
        pk.pack(name);
        pk.pack(tokens);
        pk.pack(0);
        pk.pack(0);
        pk.pack(0);
        pk.pack(0);
      }
    });
  };
  CHECK(refuse(*htb, htb_body("x", 0)) ==
        "qdisc accounting.body.classes[1].name: 'x', expected 'a'");
  CHECK(refuse(*htb, htb_body("a", 2'000'000)) ==
        "qdisc accounting.body.classes[0].tokens: above the burst");
  CHECK(refuse(*htb, htb_body("a", std::numeric_limits<std::int64_t>::min())) ==
        "qdisc accounting.body.classes[0]: a debt beyond the bound");
  CHECK(refuse(*htb, good.substr(0, good.size() - 1)).find("qdisc accounting is truncated") == 0);
  REQUIRE(htb->decode_accounting(htb_body("a", 0)).ok());
  CHECK(htb->plan(0, 5).empty());  // empty buckets at time 0
  CHECK(htb->plan(100, 5) == std::vector<JobId>{1});
  auto fifo = make(qconfig(QdiscKind::fifo));
  CHECK(refuse(*fifo, sfq_body(0, {})) == "qdisc accounting.kind: accounting of sfq, not of fifo");
}
