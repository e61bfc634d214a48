// The stored form of a QdiscConfig, for ops and snapshots: a positional
// msgpack array
//
//   [version, kind, aging_ms, quantum,
//    [[name, parent, rate_milli, ceil_milli, burst, cburst]...],
//    [[queue, job_class, flow, target]...], default_class]
//
// Decoding is strict: types, ranges and validate() are all checked, and an
// error names the field ("qdisc.classes[1].parent: ...").
#pragma once

#include <string>
#include <string_view>

#include "core/qdisc/qdisc_config.hpp"
#include "core/state/codec_detail.hpp"

namespace desaster {

inline constexpr std::uint32_t kQdiscConfigVersion = 1;

std::string encode_qdisc_config(const QdiscConfig& config);
// corrupt, with a message that names the field, for anything malformed or invalid.
Result<QdiscConfig> decode_qdisc_config(std::string_view bytes);

namespace codec {
// For embedding in ops and snapshots; read_qdisc_config throws DecodeError.
void pack_qdisc_config(msgpack::packer<msgpack::sbuffer>& pk, const QdiscConfig& config);
QdiscConfig read_qdisc_config(const msgpack::object& o, const Path& p);
}  // namespace codec

}  // namespace desaster
