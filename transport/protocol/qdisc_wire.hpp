// The wire form of the "qdisc" request and its reply (qdisc_messages.hpp):
// named msgpack maps, read strictly like every request.
#pragma once

#include <string>
#include <string_view>

#include "core/model/status.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/qdisc_messages.hpp"

namespace desaster::protocol {

std::string encode_qdisc_config_map(const QdiscConfig& config);
// Reads the fields of a qdisc map; checks types and names, not validate().
void read_qdisc_config_map(MapReader& r, QdiscConfig& config);

void write_qdisc_command(BodyWriter& w, const QdiscCommand& b);
void read_qdisc_command(MapReader& r, QdiscCommand& b);

std::string encode_body(const QdiscReply& body);
Status decode_body(std::string_view bytes, QdiscReply& out);

}  // namespace desaster::protocol
