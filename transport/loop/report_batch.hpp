// A node-local pool's reports of one loop turn, sent together: the shell
// and Ruby pools end jobs from many callbacks in one turn (child exits,
// worker channels), and one "reports" message for all of them costs the
// node one decode, one answer and one slot in its CompleteOp instead of
// one of each per job.
//
// add() holds a report; a uv_check_t sends what is held right after the
// turn's I/O callbacks (a uv_idle_t runs alongside, so a report held in a
// timer callback does not wait for the poll to wake). One held report goes
// as a "report", several as "reports" (at most kMaxReportsPerMessage each).
// Only for a node whose "worker" answer said batch.
//
// Threading: loop thread only. close() sends what is held first; the
// destructor drops it (the jobs run again), and either needs the loop alive.
#pragma once

#include <functional>
#include <vector>

#include <uv.h>

#include "transport/protocol/messages.hpp"

namespace desaster {

class ReportBatch {
 public:
  using Send = std::function<void(protocol::RequestBody)>;

  ReportBatch(uv_loop_t* loop, Send send);
  ~ReportBatch();
  ReportBatch(const ReportBatch&) = delete;
  ReportBatch& operator=(const ReportBatch&) = delete;

  void add(protocol::Report report);
  // Sends what is held now (before a message that must not overtake it).
  void flush();
  bool empty() const { return held_.empty(); }
  // Flushes, then closes the handles (they free themselves); add() after
  // close() sends at once.
  void close();

 private:
  Send send_;
  std::vector<protocol::Report> held_;
  uv_check_t* check_ = nullptr;
  uv_idle_t* wake_ = nullptr;
};

}  // namespace desaster
