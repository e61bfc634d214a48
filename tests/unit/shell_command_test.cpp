// The shell payload codec: round trips, and a clear error for every way a
// client can get the payload wrong.
#include <catch2/catch.hpp>
#include <msgpack.hpp>

#include "core/model/shell_command.hpp"

using desaster::decode_shell_command;
using desaster::describe_shell_command;
using desaster::encode_shell_command;
using desaster::ErrorCode;
using desaster::ShellCommand;

namespace {

// Packs whatever the test builds with the packer, as a client would send it.
template <typename Build>
std::string packed(Build build) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  build(packer);
  return {buffer.data(), buffer.size()};
}

std::string error_of(std::string_view payload) {
  auto decoded = decode_shell_command(payload);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code == ErrorCode::bad_request);
  return decoded.status().message;
}

}  // namespace

TEST_CASE("an argv command survives encode and decode", "[shell][model]") {
  ShellCommand command;
  command.argv = {"ls", "-l", "/tmp"};
  command.env = {{"LANG", "C"}, {"EMPTY", ""}};
  command.cwd = "/var";
  auto decoded = decode_shell_command(encode_shell_command(command));
  REQUIRE(decoded.ok());
  CHECK(decoded->argv == command.argv);
  CHECK(decoded->sh.empty());
  CHECK(decoded->env == command.env);
  CHECK(decoded->cwd == "/var");
}

TEST_CASE("an sh command without env or cwd survives encode and decode", "[shell][model]") {
  ShellCommand command;
  command.sh = "echo hi | tr a-z A-Z";
  const std::string payload = encode_shell_command(command);
  auto decoded = decode_shell_command(payload);
  REQUIRE(decoded.ok());
  CHECK(decoded->argv.empty());
  CHECK(decoded->sh == command.sh);
  CHECK(decoded->env.empty());
  CHECK(decoded->cwd.empty());
  // Absent optional fields are left out rather than sent empty.
  auto root = msgpack::unpack(payload.data(), payload.size());
  CHECK(root.get().via.map.size == 1);
}

TEST_CASE("a shell command is described on one line", "[shell][model]") {
  ShellCommand argv_form;
  argv_form.argv = {"rsync", "-a", "src/", "dst/"};
  CHECK(describe_shell_command(argv_form) == "rsync -a src/ dst/");
  ShellCommand sh_form;
  sh_form.sh = "make -j4 && make install";
  CHECK(describe_shell_command(sh_form) == "make -j4 && make install");
}

TEST_CASE("a payload that is not msgpack is rejected", "[shell][model]") {
  CHECK(error_of("") == "payload is truncated msgpack");
  CHECK(error_of("\x82\xa4"
                 "ar") == "payload is truncated msgpack");
  CHECK(error_of("\xc1").find("payload is not valid msgpack") == 0);
}

TEST_CASE("a payload that is not a map is rejected", "[shell][model]") {
  CHECK(error_of(packed([](auto& p) { p.pack(std::vector<std::string>{"ls"}); })) ==
        "payload must be a msgpack map");
  CHECK(error_of(packed([](auto& p) { p.pack(42); })) == "payload must be a msgpack map");
}

TEST_CASE("trailing bytes after the payload map are rejected", "[shell][model]") {
  ShellCommand command;
  command.sh = "true";
  CHECK(error_of(encode_shell_command(command) + "x") ==
        "payload has trailing bytes after the map");
}

TEST_CASE("a payload needs exactly one of argv and sh", "[shell][model]") {
  const std::string neither = packed([](auto& p) {
    p.pack_map(1);
    p.pack("cwd");
    p.pack("/");
  });
  CHECK(error_of(neither) == "payload needs exactly one of the fields 'argv' and 'sh'");
  const std::string both = packed([](auto& p) {
    p.pack_map(2);
    p.pack("argv");
    p.pack(std::vector<std::string>{"ls"});
    p.pack("sh");
    p.pack("ls");
  });
  CHECK(error_of(both) == "payload needs exactly one of the fields 'argv' and 'sh'");
}

TEST_CASE("argv must be a non-empty array of strings", "[shell][model]") {
  auto with_argv = [](auto value) {
    return packed([&](auto& p) {
      p.pack_map(1);
      p.pack("argv");
      p.pack(value);
    });
  };
  CHECK(error_of(with_argv(std::vector<std::string>{})) ==
        "payload field 'argv' must be a non-empty array of strings");
  CHECK(error_of(with_argv(std::string("ls"))) ==
        "payload field 'argv' must be a non-empty array of strings");
  CHECK(error_of(with_argv(std::vector<int>{1, 2})).find("payload field 'argv' must be") == 0);
  CHECK(error_of(with_argv(std::vector<std::string>{std::string("l\0s", 3)}))
            .find("without NUL bytes") != std::string::npos);
  CHECK(error_of(with_argv(std::vector<std::string>{"", "x"})) ==
        "payload field 'argv' must not start with an empty string");
}

TEST_CASE("sh must be a non-empty string", "[shell][model]") {
  auto with_sh = [](auto value) {
    return packed([&](auto& p) {
      p.pack_map(1);
      p.pack("sh");
      p.pack(value);
    });
  };
  CHECK(error_of(with_sh(std::string())).find("payload field 'sh' must be a non-empty string") ==
        0);
  CHECK(error_of(with_sh(7)).find("payload field 'sh' must be") == 0);
  CHECK(error_of(with_sh(std::string("a\0b", 3))).find("payload field 'sh'") == 0);
}

TEST_CASE("env must be a map of strings to strings", "[shell][model]") {
  auto with_env = [](auto value) {
    return packed([&](auto& p) {
      p.pack_map(2);
      p.pack("sh");
      p.pack("true");
      p.pack("env");
      p.pack(value);
    });
  };
  CHECK(error_of(with_env(std::vector<std::string>{"A=1"})) ==
        "payload field 'env' must be a map of strings to strings");
  CHECK(error_of(with_env(std::map<std::string, int>{{"A", 1}}))
            .find("payload field 'env' must be a map of strings to strings") == 0);
  CHECK(error_of(with_env(std::map<std::string, std::string>{{"A=B", "1"}})) ==
        "payload field 'env' must have non-empty variable names without '='");
  CHECK(error_of(with_env(std::map<std::string, std::string>{{"", "1"}})) ==
        "payload field 'env' must have non-empty variable names without '='");
}

TEST_CASE("cwd must be a string", "[shell][model]") {
  const std::string payload = packed([](auto& p) {
    p.pack_map(2);
    p.pack("sh");
    p.pack("true");
    p.pack("cwd");
    p.pack(std::vector<int>{});
  });
  CHECK(error_of(payload).find("payload field 'cwd' must be a string") == 0);
}

TEST_CASE("unknown and repeated payload fields are rejected", "[shell][model]") {
  const std::string unknown = packed([](auto& p) {
    p.pack_map(2);
    p.pack("sh");
    p.pack("true");
    p.pack("timeout");
    p.pack(5);
  });
  CHECK(error_of(unknown) == "payload field 'timeout' is unknown (expected argv, sh, env, cwd)");
  const std::string repeated = packed([](auto& p) {
    p.pack_map(2);
    p.pack("sh");
    p.pack("true");
    p.pack("sh");
    p.pack("false");
  });
  CHECK(error_of(repeated) == "payload field 'sh' appears more than once");
  const std::string binary_key = packed([](auto& p) {
    p.pack_map(1);
    p.pack(std::string("\x01\xff", 2));
    p.pack(1);
  });
  CHECK(error_of(binary_key) ==
        "payload field '\\x01\\xff' is unknown (expected argv, sh, env, cwd)");
  const std::string integer_key = packed([](auto& p) {
    p.pack_map(1);
    p.pack(1);
    p.pack(1);
  });
  CHECK(error_of(integer_key) == "payload keys must be strings");
}

TEST_CASE("a forged container length does not reserve memory", "[shell][model]") {
  // map32 claiming four billion pairs, then an array32 of the same, in a few bytes.
  CHECK(error_of(std::string("\xdf\xff\xff\xff\xff", 5)).find("payload is not valid msgpack") == 0);
  CHECK(error_of(std::string("\x81\xa4"
                             "argv\xdd\xff\xff\xff\xff",
                             11))
            .find("payload is not valid msgpack") == 0);
}

TEST_CASE("deeply nested values in a payload are rejected", "[shell][model]") {
  std::string nested(
      "\x81\xa3"
      "env",
      5);
  nested.append(std::string(64, '\x91'));
  nested.push_back('\x01');
  CHECK(error_of(nested).find("payload is not valid msgpack") == 0);
}
