// Redis's RESP on a TcpConn: commands out as arrays of bulk strings, replies
// read back as far as the generators need them (Redis and Sidekiq peers).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "tcp_conn.hpp"

namespace bench {

void append_command(std::string& out, std::initializer_list<std::string_view> words);

// One reply: a bulk string, an integer or a status as text; nullopt for a nil
// bulk or array. An array's last element is returned (BRPOP's value). An
// error reply ends the benchmark.
std::optional<std::string> read_reply(TcpConn& conn);

}  // namespace bench
