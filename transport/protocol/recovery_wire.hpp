// The wire form of "force_recovery" and its reply (recovery_messages.hpp).
#pragma once

#include <string>
#include <string_view>

#include "core/model/status.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/recovery_messages.hpp"

namespace desaster::protocol {

void write_force_recovery(BodyWriter& w, const ForceRecovery& b);
void read_force_recovery(MapReader& r, ForceRecovery& b);

std::string encode_body(const ForceRecoveryReply& body);
Status decode_body(std::string_view bytes, ForceRecoveryReply& out);

}  // namespace desaster::protocol
