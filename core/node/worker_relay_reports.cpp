// WorkerRelay::forward_reports: a worker's batched reports on their way to
// the leader.
#include "core/node/worker_relay.hpp"

namespace desaster {

void WorkerRelay::forward_reports(const std::string& key, std::string_view frame,
                                  std::uint64_t request_id, const protocol::Reports& reports) {
  // This node leads: its dispatcher takes the message whole, one decode and
  // one answer for all of them.
  if (leader_ == node_id_) {
    forward(key, frame);
    return;
  }
  // Another node leads, maybe of an older version that would refuse
  // "reports": each goes as a "report" under the message's id (the worker
  // reads no answer to its reports but their arrival).
  for (const protocol::Report& report : reports.reports)
    forward(key, protocol::encode_request(protocol::Request{request_id, report}));
}

}  // namespace desaster
