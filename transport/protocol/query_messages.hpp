// The query part of the client protocol (messages.hpp includes this): the
// "groups" request, and the codec of the query fields of "list".
#pragma once

#include <vector>

#include "core/model/job.hpp"
#include "core/model/job_query.hpp"

namespace desaster::protocol {

// "groups" {by: queue|class|error, states?: [str]} -> {groups: [{key, count,
// example}], index, term} (query_replies.hpp): jobs in states (default failed
// and dead) grouped, largest group first, example being the newest job's id.
struct Groups {
  GroupBy by = GroupBy::queue;
  std::vector<JobState> states;
};

class BodyWriter;
class MapReader;
struct List;

// request_codec_query.cpp. Found by argument-dependent lookup from the
// generic request codec.
void write(BodyWriter& w, const Groups& b);
void read(MapReader& r, Groups& b);
// The fields of "list" beyond queue, state, after and limit; only those away
// from their defaults are written, so a plain list stays readable by older nodes.
void write_query_fields(BodyWriter& w, const List& b);
void read_query_fields(MapReader& r, List& b);

}  // namespace desaster::protocol
