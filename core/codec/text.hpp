// Text from outside: UTF-8 checks at the protocol boundary, and the forms in
// which such text may be quoted back or logged. msgpack's str type is UTF-8 by its spec, and
// strict decoders (Python's msgpack with its defaults, Ruby's with a UTF-8
// external encoding) fail on anything else, so one client's bad bytes stored
// by the node would make every other client's listing unreadable. The node
// refuses invalid str fields, and repairs whatever it echoes back.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace desaster::codec {

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF);
// nullopt when all of text is valid.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

// text as valid UTF-8 of at most max bytes: each ill-formed byte becomes
// U+FFFD, and a cut never splits a character ("..." marks one). For text the
// node quotes back to a client (an error message).
std::string to_valid_utf8(std::string_view text, std::size_t max = 4096);

// Text quoted back in an error or a log line: printable ASCII kept, other
// bytes (and the backslash) as \xNN, cut after max bytes ("..." marks it), so
// a hostile key can neither garble nor forge a line.
std::string printable(std::string_view text, std::size_t max = 64);

}  // namespace desaster::codec
