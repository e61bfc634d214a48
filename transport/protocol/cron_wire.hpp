// The wire form of "cron" and its reply (cron_messages.hpp).
#pragma once

#include <string>
#include <string_view>

#include "core/model/status.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/cron_messages.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster::protocol {

void write_cron_command(BodyWriter& w, const CronCommand& b);
void read_cron_command(MapReader& r, CronCommand& b);

std::string encode_body(const CronReply& body);
Status decode_body(std::string_view bytes, CronReply& out);

}  // namespace desaster::protocol
