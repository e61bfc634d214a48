// The node's answers to the query requests "list" and "groups": read from
// the local replica (any node answers, leader or not), with the replica's
// applied index and term so a client can tell how current the answer is.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/model/status.hpp"
#include "core/state/state.hpp"
#include "transport/protocol/job_wire.hpp"
#include "transport/protocol/messages.hpp"

namespace desaster {

// A job's ETA for a reply (queued and scheduled jobs), none when unknown.
using EtaFn = std::function<std::optional<protocol::JobEta>(const Job&)>;

// The reply body, or bad_request for a query that cannot run (a malformed
// or foreign cursor, an empty range). With `eta`, each job carries its ETA.
Result<std::string> answer_list(const State& state, const protocol::List& request,
                                const EtaFn& eta = {});
Result<std::string> answer_groups(const State& state, const protocol::Groups& request);

// The ListQuery a "list" request asks for.
ListQuery to_list_query(const protocol::List& request);

}  // namespace desaster
