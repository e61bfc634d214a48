// The wire form of "transfer_leadership" and its reply (transfer_messages.hpp).
#pragma once

#include <string>
#include <string_view>

#include "core/model/status.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/transfer_messages.hpp"

namespace desaster::protocol {

void write_transfer_leadership(BodyWriter& w, const TransferLeadership& b);
void read_transfer_leadership(MapReader& r, TransferLeadership& b);

std::string encode_body(const TransferLeadershipReply& body);
Status decode_body(std::string_view bytes, TransferLeadershipReply& out);

}  // namespace desaster::protocol
