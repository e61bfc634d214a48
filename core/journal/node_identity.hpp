// A node's id: 32 random hex digits made on first start and kept in the data
// dir (file NODE_ID), so a restarted node is the same node to its peers.
#pragma once

#include <string>

#include "core/model/status.hpp"

namespace desaster {

Result<std::string> load_or_create_node_id(const std::string& data_dir);

}  // namespace desaster
