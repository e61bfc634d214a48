// The node <-> Ruby pool messages (workers/ruby/PROTOCOL.md): framing,
// every message both ways, and malformed input refused with its field.
#include "workers/ruby_pool/pool_frames.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <msgpack.hpp>

#include "core/model/job_id.hpp"
#include "workers/ruby_pool/pool_manager.hpp"

using namespace desaster;
using namespace desaster::ruby_pool;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

// A msgpack map built by a packing function.
template <typename Fill>
std::string packed(Fill fill) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  fill(pk);
  return std::string(buffer.data(), buffer.size());
}

std::string error_of(const Result<WorkerMessage>& r) {
  return r.ok() ? std::string("(decoded)") : r.status().message;
}
std::string error_of(const Result<MasterMessage>& r) {
  return r.ok() ? std::string("(decoded)") : r.status().message;
}

msgpack::object_handle unpack_frame(const std::string& framed) {
  REQUIRE(framed.size() >= 4);
  return msgpack::unpack(framed.data() + 4, framed.size() - 4);
}

}  // namespace

TEST_CASE("frames are cut from a stream however the bytes arrive", "[ruby_pool][frames]") {
  std::string stream = frame("abc") + frame("") + frame(std::string(70'000, 'x'));
  FrameReader reader;
  std::vector<std::string> got;
  for (char c : stream) {
    REQUIRE(reader.feed(std::string_view(&c, 1)).ok());
    while (auto payload = reader.next()) got.push_back(*payload);
  }
  REQUIRE(got.size() == 3);
  CHECK(got[0] == "abc");
  CHECK(got[1].empty());
  CHECK(got[2].size() == 70'000);
  CHECK(reader.buffered() == 0);
}

TEST_CASE("a frame announcing more than 16 MiB ends the stream", "[ruby_pool][frames]") {
  FrameReader reader;
  Status s = reader.feed(std::string("\x01\x00\x00\x01", 4));
  CHECK(s.message == "frame of 16777217 bytes is over the limit of 16777216");
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.feed("more").ok());
}

TEST_CASE("a worker's ready and done messages decode", "[ruby_pool][frames]") {
  auto ready = decode_worker_message(packed([](Packer& pk) {
    pk.pack_map(2);
    pk.pack(std::string("t"));
    pk.pack(std::string("ready"));
    pk.pack(std::string("pid"));
    pk.pack(4242);
  }));
  REQUIRE(ready.ok());
  CHECK(std::get<WorkerReady>(*ready).pid == 4242);

  auto failed = decode_worker_message(packed([](Packer& pk) {
    pk.pack_map(5);
    pk.pack(std::string("t"));
    pk.pack(std::string("done"));
    pk.pack(std::string("id"));
    pk.pack(std::string("00000000000000ff"));
    pk.pack(std::string("ok"));
    pk.pack(false);
    pk.pack(std::string("rss_kb"));
    pk.pack(1234);
    pk.pack(std::string("error"));
    pk.pack_map(3);
    pk.pack(std::string("class"));
    pk.pack(std::string("ArgumentError"));
    pk.pack(std::string("message"));
    pk.pack(std::string("boom"));
    pk.pack(std::string("backtrace"));
    pk.pack(std::vector<std::string>{"a.rb:1", "b.rb:2"});
  }));
  INFO(error_of(failed));
  REQUIRE(failed.ok());
  const auto& done = std::get<WorkerDone>(*failed);
  CHECK(done.id == 0xff);
  CHECK_FALSE(done.ok);
  CHECK(done.rss_kb == 1234);
  REQUIRE(done.error);
  CHECK(describe(*done.error) == "ArgumentError: boom");
  CHECK(backtrace_text(*done.error) == "a.rb:1\nb.rb:2\n");

  auto rack = decode_worker_message(packed([](Packer& pk) {
    pk.pack_map(6);
    pk.pack(std::string("t"));
    pk.pack(std::string("done"));
    pk.pack(std::string("id"));
    pk.pack(std::string("0000000000000001"));
    pk.pack(std::string("ok"));
    pk.pack(true);
    pk.pack(std::string("status"));
    pk.pack(201);
    pk.pack(std::string("headers"));
    pk.pack(std::map<std::string, std::string>{{"Content-Type", "text/plain"}});
    pk.pack(std::string("body"));
    pk.pack(std::string("hi"));
  }));
  REQUIRE(rack.ok());
  const auto& reply = std::get<WorkerDone>(*rack);
  REQUIRE(reply.rack);
  CHECK(reply.rack->status == 201);
  CHECK(reply.rack->body == "hi");
  REQUIRE(reply.rack->headers.size() == 1);
  CHECK(reply.rack->headers[0].first == "Content-Type");
  CHECK(reply.rack->headers[0].second == "text/plain");
  CHECK(reply.rack->headers_problem.empty());

  // A header that is not a string fails the reply (502), not the channel.
  auto odd = decode_worker_message(packed([](Packer& pk) {
    pk.pack_map(5);
    pk.pack(std::string("t"));
    pk.pack(std::string("done"));
    pk.pack(std::string("id"));
    pk.pack(std::string("0000000000000002"));
    pk.pack(std::string("ok"));
    pk.pack(true);
    pk.pack(std::string("status"));
    pk.pack(200);
    pk.pack(std::string("headers"));
    pk.pack(std::map<std::string, int>{{"X-Count", 3}});
  }));
  REQUIRE(odd.ok());
  const auto& odd_reply = std::get<WorkerDone>(*odd);
  REQUIRE(odd_reply.rack);
  CHECK(odd_reply.rack->headers.empty());
  CHECK(odd_reply.rack->headers_problem == "header names and values must be strings");
}

TEST_CASE("a local request's payload is spliced into its worker frame", "[ruby_pool][frames]") {
  const std::string payload = packed([](Packer& pk) {
    pk.pack_map(2);
    pk.pack(std::string("env"));
    pk.pack(std::map<std::string, std::string>{{"REQUEST_METHOD", "POST"}});
    pk.pack(std::string("body"));
    pk.pack(std::string("data"));
  });
  Result<std::string> framed = encode_local_http_message(0x12, payload);
  REQUIRE(framed.ok());
  auto h = unpack_frame(*framed);
  auto m = h.get().as<std::map<std::string, msgpack::object>>();
  CHECK(m.size() == 4);
  CHECK(m.at("t").as<std::string>() == "http");
  CHECK(m.at("id").as<std::string>() == "0000000000000012");
  CHECK(m.at("env").as<std::map<std::string, std::string>>().at("REQUEST_METHOD") == "POST");
  CHECK(m.at("body").as<std::string>() == "data");

  CHECK_FALSE(encode_local_http_message(1, "").ok());
  CHECK_FALSE(encode_local_http_message(1, "\x81").ok());
  CHECK_FALSE(encode_local_http_message(1, "\x91\x01").ok());
}

TEST_CASE("malformed worker messages are refused with what was wrong", "[ruby_pool][frames]") {
  CHECK(error_of(decode_worker_message("")) == "worker message is empty");
  CHECK(error_of(decode_worker_message("\xc1")) ==
        "worker message is not valid msgpack (at byte 0)");
  CHECK(error_of(decode_worker_message("\x91\x01")) ==
        "worker message must be a map, not an array");
  auto map_with = [](auto fill, int n) {
    return packed([&](Packer& pk) {
      pk.pack_map(n);
      fill(pk);
    });
  };
  CHECK(error_of(decode_worker_message(map_with(
            [](Packer& pk) {
              pk.pack(std::string("pid"));
              pk.pack(1);
            },
            1))) == "worker message field 't' is missing");
  CHECK(error_of(decode_worker_message(map_with(
            [](Packer& pk) {
              pk.pack(std::string("t"));
              pk.pack(std::string("hello"));
            },
            1))) == "worker message type 'hello' is unknown");
  CHECK(error_of(decode_worker_message(map_with(
            [](Packer& pk) {
              pk.pack(std::string("t"));
              pk.pack(std::string("ready"));
              pk.pack(std::string("pid"));
              pk.pack(-3);
            },
            2))) == "worker message field 'pid' must be a positive integer");
  CHECK(error_of(decode_worker_message(map_with(
            [](Packer& pk) {
              pk.pack(std::string("t"));
              pk.pack(std::string("done"));
              pk.pack(std::string("id"));
              pk.pack(std::string("xyz"));
              pk.pack(std::string("ok"));
              pk.pack(true);
            },
            3))) == "worker message field 'id' must be a job id of 16 hex digits");
  CHECK(error_of(decode_worker_message(map_with(
            [](Packer& pk) {
              pk.pack(std::string("t"));
              pk.pack(std::string("done"));
              pk.pack(std::string("id"));
              pk.pack(std::string("0000000000000001"));
              pk.pack(std::string("ok"));
              pk.pack(false);
            },
            3))) == "worker message field 'error' is missing");
  CHECK(error_of(decode_worker_message(map_with(
            [](Packer& pk) {
              pk.pack(std::string("t"));
              pk.pack(std::string("done"));
              pk.pack(std::string("id"));
              pk.pack(std::string("0000000000000001"));
              pk.pack(std::string("ok"));
              pk.pack(false);
              pk.pack(std::string("error"));
              pk.pack(std::map<std::string, int>{{"class", 3}});
            },
            4))) ==
        "worker message field 'error.class' must be binary or a string, not an integer");
}

TEST_CASE("a ruby job goes to a worker with its arguments, an http job with its env",
          "[ruby_pool][frames]") {
  Job job;
  job.id = 0x10;
  job.kind = JobKind::ruby;
  job.job_class = "Mailer";
  job.queue = "mail";
  job.attempts = 2;
  job.payload = packed([](Packer& pk) { pk.pack(std::vector<int>{1, 2}); });
  Result<std::string> framed = encode_job_message(job);
  REQUIRE(framed.ok());
  auto handle = unpack_frame(*framed);
  auto message = handle.get().as<std::map<std::string, msgpack::object>>();
  CHECK(message.at("t").as<std::string>() == "job");
  CHECK(message.at("id").as<std::string>() == "0000000000000010");
  CHECK(message.at("class").as<std::string>() == "Mailer");
  CHECK(message.at("args").as<std::vector<int>>() == std::vector<int>{1, 2});
  CHECK(message.at("attempt").as<int>() == 2);
  CHECK(message.at("queue").as<std::string>() == "mail");

  job.payload.clear();
  auto no_args = unpack_frame(*encode_job_message(job));
  CHECK(no_args.get().as<std::map<std::string, msgpack::object>>().at("args").via.array.size == 0);

  Job http;
  http.id = 0x11;
  http.kind = JobKind::http;
  http.payload = packed([](Packer& pk) {
    pk.pack_map(2);
    pk.pack(std::string("env"));
    pk.pack(std::map<std::string, std::string>{{"REQUEST_METHOD", "GET"}});
    pk.pack(std::string("body"));
    pk.pack(std::string("x"));
  });
  auto h = unpack_frame(*encode_job_message(http));
  auto hm = h.get().as<std::map<std::string, msgpack::object>>();
  CHECK(hm.at("t").as<std::string>() == "http");
  CHECK(hm.at("env").as<std::map<std::string, std::string>>().at("REQUEST_METHOD") == "GET");
}

TEST_CASE("a job whose payload a worker cannot take is refused before it is sent",
          "[ruby_pool][frames]") {
  Job job;
  job.id = 1;
  job.kind = JobKind::ruby;
  job.job_class = "X";
  job.payload = packed([](Packer& pk) { pk.pack(5); });
  CHECK(encode_job_message(job).status().message ==
        "ruby job payload must be a msgpack array of arguments");
  job.payload = "\xc1";
  CHECK(encode_job_message(job).status().message ==
        "ruby job payload is not valid msgpack (at byte 0)");
  job.job_class.clear();
  job.payload.clear();
  CHECK(encode_job_message(job).status().message == "ruby job has no class");
  job.kind = JobKind::http;
  job.payload = packed([](Packer& pk) { pk.pack(std::map<std::string, int>{{"body", 1}}); });
  CHECK(encode_job_message(job).status().message == "http job payload field 'env' is missing");
  job.kind = JobKind::shell;
  CHECK(encode_job_message(job).status().message == "a Ruby pool cannot run shell jobs");
}

TEST_CASE("the master's control messages decode, and malformed ones are refused",
          "[ruby_pool][frames]") {
  auto exited = decode_master_message(packed([](Packer& pk) {
    pk.pack_map(4);
    pk.pack(std::string("t"));
    pk.pack(std::string("exited"));
    pk.pack(std::string("pid"));
    pk.pack(77);
    pk.pack(std::string("status"));
    pk.pack_nil();
    pk.pack(std::string("signal"));
    pk.pack(9);
  }));
  REQUIRE(exited.ok());
  CHECK(std::get<MasterExited>(*exited).pid == 77);
  CHECK_FALSE(std::get<MasterExited>(*exited).status);
  CHECK(std::get<MasterExited>(*exited).signal == 9);

  auto spawned = decode_master_message(packed([](Packer& pk) {
    pk.pack_map(3);
    pk.pack(std::string("t"));
    pk.pack(std::string("spawned"));
    pk.pack(std::string("slot"));
    pk.pack(3);
    pk.pack(std::string("pid"));
    pk.pack(78);
  }));
  REQUIRE(spawned.ok());
  CHECK(std::get<MasterSpawned>(*spawned).slot == 3);

  CHECK(error_of(decode_master_message(packed([](Packer& pk) {
          pk.pack_map(2);
          pk.pack(std::string("t"));
          pk.pack(std::string("spawned"));
          pk.pack(std::string("slot"));
          pk.pack(std::string("x"));
        }))) == "master message field 'slot' must be an integer in [0, 4294967295], not a string");
  CHECK(error_of(decode_master_message(packed([](Packer& pk) {
          pk.pack_map(1);
          pk.pack(std::string("t"));
          pk.pack(std::string("load_failed"));
        }))) == "master message field 'error' is missing");
  CHECK(error_of(decode_master_message(packed([](Packer& pk) {
          pk.pack_map(1);
          pk.pack(std::string("t"));
          pk.pack(7);
        }))) == "master message field 't' must be a string, not an integer");

  auto spawn = msgpack::unpack(encode_spawn(4).data(), encode_spawn(4).size());
  CHECK(spawn.get().as<std::map<std::string, msgpack::object>>().at("slot").as<int>() == 4);
}

TEST_CASE("a pool runs on every node, on the node it names by id prefix, or on its host",
          "[ruby_pool]") {
  PoolSpec spec;
  CHECK(pool_runs_on(spec, "abcdef0123", "box"));
  spec.node = "abcdef";
  CHECK(pool_runs_on(spec, "abcdef0123", "box"));
  CHECK_FALSE(pool_runs_on(spec, "0123abcdef", "box"));
  spec.node = "box";
  CHECK(pool_runs_on(spec, "0123abcdef", "box"));
}
