// The shell job payload codec. A payload arrives from clients, so decoding is
// strict: exactly the documented keys, the documented types, nothing extra,
// and every rejection names the field that was wrong.
#include "core/model/shell_command.hpp"

#include <exception>
#include <msgpack.hpp>

namespace desaster {

namespace {

constexpr std::string_view kArgv = "argv";
constexpr std::string_view kSh = "sh";
constexpr std::string_view kEnv = "env";
constexpr std::string_view kCwd = "cwd";
// Nesting deeper than this is never a valid payload; the bound keeps a hostile
// payload from exhausting the stack.
constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxQuotedKey = 40;

Status bad(std::string message) {
  return Status::error(ErrorCode::bad_request, std::move(message));
}

Status field_error(std::string_view field, std::string_view requirement) {
  std::string message = "payload field '";
  message.append(field);
  message.append("' ");
  message.append(requirement);
  return bad(std::move(message));
}

// Unknown keys are echoed back in errors, so keep them short and printable
// (other bytes as \xNN).
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedKey)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      constexpr std::string_view kHex = "0123456789abcdef";
      out.append({'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]});
    }
  }
  if (text.size() > kMaxQuotedKey) out.append("...");
  return out;
}

std::string_view as_view(const msgpack::object& object) {
  return {object.via.str.ptr, object.via.str.size};
}

// Strings handed to exec must not hold NUL: the kernel would cut them short.
bool is_exec_string(const msgpack::object& object) {
  return object.type == msgpack::type::STR && as_view(object).find('\0') == std::string_view::npos;
}

Status decode_argv(const msgpack::object& value, ShellCommand& out) {
  if (value.type != msgpack::type::ARRAY || value.via.array.size == 0) {
    return field_error(kArgv, "must be a non-empty array of strings");
  }
  for (std::uint32_t i = 0; i < value.via.array.size; ++i) {
    const msgpack::object& item = value.via.array.ptr[i];
    if (!is_exec_string(item)) {
      return field_error(kArgv, "must be a non-empty array of strings without NUL bytes");
    }
    out.argv.emplace_back(as_view(item));
  }
  if (out.argv.front().empty()) return field_error(kArgv, "must not start with an empty string");
  return Status::success();
}

Status decode_sh(const msgpack::object& value, ShellCommand& out) {
  if (!is_exec_string(value) || value.via.str.size == 0) {
    return field_error(kSh, "must be a non-empty string without NUL bytes");
  }
  out.sh = as_view(value);
  return Status::success();
}

Status decode_env(const msgpack::object& value, ShellCommand& out) {
  if (value.type != msgpack::type::MAP) {
    return field_error(kEnv, "must be a map of strings to strings");
  }
  for (std::uint32_t i = 0; i < value.via.map.size; ++i) {
    const msgpack::object_kv& kv = value.via.map.ptr[i];
    if (!is_exec_string(kv.key) || !is_exec_string(kv.val)) {
      return field_error(kEnv, "must be a map of strings to strings without NUL bytes");
    }
    const std::string_view name = as_view(kv.key);
    if (name.empty() || name.find('=') != std::string_view::npos) {
      return field_error(kEnv, "must have non-empty variable names without '='");
    }
    out.env.insert_or_assign(std::string(name), std::string(as_view(kv.val)));
  }
  return Status::success();
}

Status decode_cwd(const msgpack::object& value, ShellCommand& out) {
  if (!is_exec_string(value)) return field_error(kCwd, "must be a string without NUL bytes");
  out.cwd = as_view(value);
  return Status::success();
}

Status decode_field(std::string_view key, const msgpack::object& value, ShellCommand& out) {
  if (key == kArgv) return decode_argv(value, out);
  if (key == kSh) return decode_sh(value, out);
  if (key == kEnv) return decode_env(value, out);
  if (key == kCwd) return decode_cwd(value, out);
  return bad("payload field '" + printable(key) + "' is unknown (expected argv, sh, env, cwd)");
}

Result<ShellCommand> decode_map(const msgpack::object& root) {
  if (root.type != msgpack::type::MAP) return bad("payload must be a msgpack map");
  ShellCommand command;
  bool has_argv = false;
  bool has_sh = false;
  std::vector<std::string_view> seen;
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const msgpack::object_kv& kv = root.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return bad("payload keys must be strings");
    const std::string_view key = as_view(kv.key);
    for (std::string_view earlier : seen) {
      if (earlier == key) return field_error(printable(key), "appears more than once");
    }
    seen.push_back(key);
    Status status = decode_field(key, kv.val, command);
    if (!status.ok()) return status;
    has_argv = has_argv || key == kArgv;
    has_sh = has_sh || key == kSh;
  }
  if (has_argv == has_sh) return bad("payload needs exactly one of the fields 'argv' and 'sh'");
  return command;
}

}  // namespace

std::string encode_shell_command(const ShellCommand& command) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  const bool has_env = !command.env.empty();
  const bool has_cwd = !command.cwd.empty();
  packer.pack_map(1 + (has_env ? 1 : 0) + (has_cwd ? 1 : 0));
  if (command.argv.empty()) {
    packer.pack(kSh);
    packer.pack(command.sh);
  } else {
    packer.pack(kArgv);
    packer.pack(command.argv);
  }
  if (has_env) {
    packer.pack(kEnv);
    packer.pack(command.env);
  }
  if (has_cwd) {
    packer.pack(kCwd);
    packer.pack(command.cwd);
  }
  return {buffer.data(), buffer.size()};
}

Result<ShellCommand> decode_shell_command(std::string_view payload) {
  // A container cannot hold more elements than the payload has bytes; saying
  // so up front stops a forged length from reserving gigabytes.
  const msgpack::unpack_limit limit(payload.size(), payload.size(), payload.size(), payload.size(),
                                    payload.size(), kMaxDepth);
  try {
    std::size_t offset = 0;
    const msgpack::object_handle handle =
        msgpack::unpack(payload.data(), payload.size(), offset, nullptr, nullptr, limit);
    if (offset != payload.size()) return bad("payload has trailing bytes after the map");
    return decode_map(handle.get());
  } catch (const msgpack::insufficient_bytes&) {
    return bad("payload is truncated msgpack");
  } catch (const std::exception& error) {
    return bad(std::string("payload is not valid msgpack: ") + error.what());
  }
}

std::string describe_shell_command(const ShellCommand& command) {
  if (command.argv.empty()) return command.sh;
  std::string line;
  for (const std::string& arg : command.argv) {
    if (!line.empty()) line.push_back(' ');
    line.append(arg);
  }
  return line;
}

}  // namespace desaster
