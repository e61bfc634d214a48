// The wire form of a JobSpec (request_codec.cpp): a map that leaves out
// fields at their defaults.
#pragma once

#include <string>

#include "transport/protocol/job_spec.hpp"
#include "transport/protocol/map_reader.hpp"

namespace desaster::protocol {

std::string encode_spec(const JobSpec& spec);
void read_spec(MapReader& r, JobSpec& spec);

}  // namespace desaster::protocol
