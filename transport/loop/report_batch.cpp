#include "transport/loop/report_batch.hpp"

#include <utility>

namespace desaster {

ReportBatch::ReportBatch(uv_loop_t* loop, Send send) : send_(std::move(send)) {
  check_ = new uv_check_t;
  uv_check_init(loop, check_);
  check_->data = this;
  wake_ = new uv_idle_t;
  uv_idle_init(loop, wake_);
  wake_->data = this;
}

// Without close(): what is held is dropped (those jobs run again), as the
// owner may be half gone and cannot send.
ReportBatch::~ReportBatch() {
  held_.clear();
  close();
}

void ReportBatch::add(protocol::Report report) {
  if (!check_) {
    send_(std::move(report));
    return;
  }
  held_.push_back(std::move(report));
  if (held_.size() == 1) {
    uv_check_start(check_,
                   [](uv_check_t* h) noexcept { static_cast<ReportBatch*>(h->data)->flush(); });
    uv_idle_start(wake_, [](uv_idle_t*) noexcept {});
  }
  if (held_.size() >= protocol::kMaxReportsPerMessage) flush();
}

void ReportBatch::flush() {
  if (check_) {
    uv_check_stop(check_);
    uv_idle_stop(wake_);
  }
  if (held_.empty()) return;
  std::vector<protocol::Report> reports = std::move(held_);
  held_.clear();
  if (reports.size() == 1) {
    send_(std::move(reports.front()));
    return;
  }
  send_(protocol::Reports{std::move(reports)});
}

void ReportBatch::close() {
  flush();
  if (!check_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(check_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  uv_close(reinterpret_cast<uv_handle_t*>(wake_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
  check_ = nullptr;
  wake_ = nullptr;
}

}  // namespace desaster
