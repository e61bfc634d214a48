// Ruby pools on the wire: a pool declaration as a named msgpack map, for the
// `pool` request and its list reply. Fields: name, node, dir, require
// ([str]), rackup, min, max, queues ([{name, weight}]), kinds ([str]),
// memory_limit_mb, timeout_ms, generation, cpu_limit_percent, limit_grace_ms
// (read as cpu_grace_ms too, its first name). Missing fields keep PoolSpec's
// defaults; a request refuses unknown ones (strict), a reply skips them.
#pragma once

#include <string>
#include <string_view>

#include "core/model/pool_spec.hpp"
#include "transport/protocol/body_writer.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster::protocol {

std::string encode_pool_spec(const PoolSpec& spec);
// Reads the map in r's place into spec; errors go to r.
void read_pool_spec(MapReader& r, PoolSpec& spec);

}  // namespace desaster::protocol
