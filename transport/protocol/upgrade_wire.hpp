// The wire form of "upgrade" and its reply (upgrade_messages.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/model/status.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"
#include "transport/protocol/upgrade_messages.hpp"

namespace desaster::protocol {

// A path longer than this is no binary of ours.
inline constexpr std::size_t kMaxUpgradeBinaryBytes = 4096;

void write_upgrade(BodyWriter& w, const Upgrade& b);
void read_upgrade(MapReader& r, Upgrade& b);

std::string encode_body(const UpgradeReply& body);
Status decode_body(std::string_view bytes, UpgradeReply& out);

}  // namespace desaster::protocol
