// Internal to core/qdisc: the envelope of a discipline's accounting in
// snapshots, [kAccountingVersion, kind, body], with the body written and
// read by the discipline itself. Reads go through core/state's checked
// readers (codec_detail.hpp), so errors name the field.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/qdisc/qdisc_config.hpp"
#include "core/state/codec_detail.hpp"

namespace desaster::qdisc_detail {

inline constexpr std::uint32_t kAccountingVersion = 1;

using Packer = msgpack::packer<msgpack::sbuffer>;
using BodyWriter = std::function<void(Packer&)>;
// Reads the body at path p; throws codec::DecodeError (codec::fail) on
// anything wrong. It must change nothing before the whole body has been read,
// so a refused snapshot leaves the discipline as it was.
using BodyReader = std::function<void(const msgpack::object&, const codec::Path&)>;

std::string encode_accounting(QdiscKind kind, const BodyWriter& body);
// corrupt, with a message that starts "qdisc accounting" and names the field.
Status decode_accounting(std::string_view bytes, QdiscKind kind, const BodyReader& body);

// For disciplines without accounting: an empty body.
std::string encode_empty_accounting(QdiscKind kind);
Status decode_empty_accounting(std::string_view bytes, QdiscKind kind);

}  // namespace desaster::qdisc_detail
