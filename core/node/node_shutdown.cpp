// Stopping: running jobs get the grace to finish, then are handed back; the
// handles close in an order that lets peers and clients notice at once.
#include "core/node/node_impl.hpp"

namespace desaster {

namespace {

template <typename Handle>
void close_handle(Handle* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
}

}  // namespace

void Node::Impl::begin_shutdown(const char* why) {
  if (shutting_down) {
    log.info(std::string(why) + " again: handing back running jobs now");
    hand_back_running();
    return;
  }
  shutting_down = true;
  if (held_writes)
    refuse_held_writes(held_writes->take_all(),
                       Status::error(ErrorCode::unavailable, "the node is shutting down"));
  if (notifier) notifier->stopping();
  api->set_draining(true);
  dispatcher->set_draining(true);
  const auto running = own_running();
  log.info(std::string(why) + ": shutting down; " + std::to_string(running) +
           " running jobs may finish within " + std::to_string(options.shutdown_grace_ms / 1000) +
           " s");
  uv_timer_start(
      &grace, [](uv_timer_t* h) noexcept { static_cast<Impl*>(h->data)->hand_back_running(); },
      options.shutdown_grace_ms, 0);
}

void Node::Impl::hand_back_running() {
  if (handing_back || closing) return;
  handing_back = true;
  uv_timer_stop(&grace);
  std::vector<JobId> running;
  if (leading()) running = running_here();
  if (running.empty()) {
    handing_back = false;
    return;
  }
  log.info("handing back " + std::to_string(running.size()) + " running jobs to their queues");
  proposer->propose(ReleaseOp{std::move(running), false, "node shut down"},
                    [this](const Status& status, const ApplyResult&) {
                      if (!status.ok()) {
                        log.error("could not hand back running jobs: " + status.message);
                        exit_code = 1;
                      }
                      handing_back = false;
                      finish_shutdown();
                    });
}

void Node::Impl::finish_shutdown() {
  if (closing) return;
  closing = true;
  waiters->answer_all();
  uv_prepare_stop(&turn);
  uv_timer_stop(&deadline);
  uv_timer_stop(&grace);
  uv_timer_stop(&housekeeping);
  uv_signal_stop(&sigterm);
  uv_signal_stop(&sigint);
  uv_signal_stop(&sighup);
  uv_signal_stop(&sigusr2);
  if (raft) raft->close();
  if (http) http->close();
  // The goodbye beacon goes first, so peers drop this node at once.
  auto close_rest = [this] {
    // The listeners first: after a hot upgrade each connection this process
    // still holds is one a client waits on to reconnect to the new one.
    client_watcher->close([this] {
      dispatch_watcher->close([this] {
        if (handed_over) {
          client_socket->close();
          dispatch_socket->close();
        }
        close_discovery([this] {
          ruby_pools->close([this] {
            shell_pool->close([this] {
              close_security([this] {
                journal->close([this] { upgrader->close([this] { close_extras(); }); });
              });
            });
          });
        });
      });
    });
  };
  if (metrics) {
    metrics->close(close_rest);
  } else {
    close_rest();
  }
}

void Node::Impl::close_extras() {
  auto rest = [this] {
    if (log_file) {
      log_file->close([this] { close_everything(); });
    } else {
      close_everything();
    }
  };
  if (notifier) {
    notifier->close(rest);
  } else {
    rest();
  }
}

void Node::Impl::close_everything() {
  client_socket.reset();
  dispatch_socket.reset();
  feed.reset();
  feed_socket.reset();
  close_handle(&turn);
  close_handle(&deadline);
  close_handle(&grace);
  close_handle(&housekeeping);
  close_handle(&sigterm);
  close_handle(&sigint);
  close_handle(&sighup);
  close_handle(&sigusr2);
  // h2o offers no way to close an idle keep-alive connection at once; they
  // are dropped with the process rather than kept for their read timeout.
  if (http) uv_stop(&loop);
  log.info("stopped; journal flushed up to index " + std::to_string(state.applied_index()));
}

}  // namespace desaster
