// The hot upgrade attached to the node (core/node/upgrade/upgrader.hpp):
// its hooks, SIGUSR2, and what a rollback must undo.
#include <signal.h>
#include <unistd.h>

#include "core/node/node_impl.hpp"
#include "core/node/upgrade/quiet_wait.hpp"

namespace desaster {

// Hot upgrade (core/node/upgrade/upgrader.hpp): SIGUSR2 or `desasterctl upgrade`.
void Node::Impl::start_upgrades() {
  UpgradeHooks hooks;
  if (raft) {
    // A leader hands leadership over first: its writes then wait for one
    // transfer, not for an election after it has gone.
    // A new leader runs again every job leased in an older term
    // (LeaderStartOp), so the leader stops leasing and waits until no job
    // runs anywhere (enqueues go on) before it hands over.
    hooks.hand_off = [this](std::function<void(const Status&)> done) {
      if (!raft->leading()) {
        done(Status::success());
        return;
      }
      dispatcher->set_draining(true);
      log.info("upgrade: no new leases in the cluster; handing leadership over once the " +
               std::to_string(state.counts().by_state[static_cast<int>(JobState::running)]) +
               " running jobs have reported");
      // Leases proposed before the drain count once applied: wait for them.
      const std::uint64_t proposed = raft->last_index();
      handoff->begin_when(
          [this, proposed] {
            return state.applied_index() >= proposed &&
                   state.counts().by_state[static_cast<int>(JobState::running)] == 0;
          },
          "",
          [this, done](const Result<protocol::TransferLeadershipReply>& r) {
            // A transfer that did not happen costs an election after this
            // process stops, not the upgrade.
            if (r.ok()) {
              log.info("upgrade: handed leadership to " + r->to.substr(0, 8));
            } else {
              log.warn("upgrade: goes on leading until it stops (the others then elect): " +
                       r.status().message);
            }
            done(Status::success());
          });
    };
  }
  hooks.stop_leasing = [this] {
    dispatcher->set_draining(true);
    // Clustered, the leader leases to this node's workers through the relay.
    if (relay) relay->set_holding(true);
  };
  hooks.running = [this] { return own_running(); };
  hooks.pause = [this] {
    client_watcher->set_reading(false);
    dispatch_watcher->set_reading(false);
    // Raft writes nothing more (suspend); peers see a silent follower.
    if (raft) raft->suspend();
  };
  hooks.quiet = [this] {
    return proposer->in_flight() == 0 && !snapshot_in_flight &&
           client_watcher->outbox_size() == 0 && dispatch_watcher->outbox_size() == 0 &&
           (!raft || (!raft->writing() && raft->in_flight() == 0)) &&
           (!forwarder || forwarder->in_flight() == 0) && (!held_writes || held_writes->empty());
  };
  hooks.release = [this] {
    released = true;
    for (auto [socket, name] : listener_sockets()) {
      try {
        socket->set(zmq::sockopt::linger, 2000);
        socket->unbind(bound_endpoints[name]);
      } catch (const zmq::error_t& e) {
        log.warn(std::string("upgrade: cannot unbind the ") + name + " socket: " + e.what());
      }
    }
  };
  hooks.fds = [this] {
    std::vector<std::pair<std::string, int>> fds{{"lock", journal->lock_fd()}};
    for (auto& listener : listeners->all()) fds.push_back(listener);
    return fds;
  };
  hooks.resume = [this](const std::string&) {
    if (handoff) handoff->cancel();
    if (raft) raft->resume();
    if (relay) relay->set_holding(false);
    if (released) rebind_after_rollback();
    client_watcher->set_reading(true);
    dispatch_watcher->set_reading(true);
    if (!shutting_down) dispatcher->set_draining(false);
  };
  hooks.retire = [this] {
    handed_over = true;
    shutting_down = true;
    if (notifier) notifier->stopping();
    // The HTTP and metrics listeners are shared with the new process, which
    // accepts on them already: this one stops accepting and answers what it
    // took first (its Ruby pools still run those requests).
    if (http) http->stop_accepting();
    if (metrics) metrics->stop_accepting();
    wait_until_quiet(
        &loop, [this] { return (!http || http->quiet()) && (!metrics || metrics->quiet()); },
        options.shutdown_grace_ms,
        [this](bool quiet) {
          if (!quiet)
            log.warn(
                "upgrade: HTTP requests or scrapes still open after the shutdown grace end with "
                "this process");
          finish_shutdown();
        });
  };
  upgrader = std::make_unique<Upgrader>(&loop, log, std::move(hooks), options.upgrade_timeout_ms);
  api->set_upgrade_handler(
      [this](const protocol::Upgrade& request) -> Result<protocol::UpgradeReply> {
        if (request.start) {
          Status s = begin_upgrade(request.binary, [this](const Status& outcome, std::int64_t pid) {
            note_upgrade(outcome, pid);
          });
          if (!s.ok()) return s;
        }
        return protocol::UpgradeReply{::getpid(), upgrader->active(), last_upgrade};
      });
  uv_signal_init(&loop, &sigusr2);
  sigusr2.data = this;
  uv_signal_start(
      &sigusr2,
      [](uv_signal_t* h, int) noexcept {
        auto* self = static_cast<Impl*>(h->data);
        Status s = self->begin_upgrade("", [self](const Status& outcome, std::int64_t pid) {
          self->note_upgrade(outcome, pid);
        });
        if (!s.ok()) self->log.warn("SIGUSR2: no upgrade: " + s.message);
      },
      SIGUSR2);
}

void Node::Impl::note_upgrade(const Status& outcome, std::int64_t pid) {
  last_upgrade =
      outcome.ok() ? "upgraded: pid " + std::to_string(pid) + " serves now" : outcome.message;
  // Before this process exits: a service manager must follow the new one.
  if (outcome.ok() && notifier) notifier->hand_over(pid);
}

std::vector<std::pair<zmq::socket_t*, const char*>> Node::Impl::listener_sockets() {
  return {{&*client_socket, "client"}, {&*feed_socket, "feed"}, {&*dispatch_socket, "dispatch"}};
}

// The new process died after this one had unbound: listen again on the
// same sockets. The in-process workers lost their registration with the
// connection: a new shell pool starts and the Ruby pools reload.
void Node::Impl::rebind_after_rollback() {
  released = false;
  for (auto [socket, name] : listener_sockets()) {
    try {
      socket->set(zmq::sockopt::linger, 0);
      const int fd = listeners->dup_for_zmq(name);
      if (fd >= 0) socket->set(zmq::sockopt::use_fd, fd);
      socket->bind(bound_endpoints[name]);
    } catch (const zmq::error_t& e) {
      log.error(std::string("upgrade rollback: cannot listen again on the ") + name +
                " socket: " + e.what());
      exit_code = 1;
    }
  }
  // Nothing runs in it (the upgrade waited for that): a new one registers.
  retired_shell_pools.push_back(std::move(shell_pool));
  retired_shell_pools.back()->close({});
  shell_pool = std::make_unique<ShellPool>(&loop, context, shell_pool_options);
  if (Status s = shell_pool->start(); !s.ok()) log.error("shell pool: " + s.message);
  ruby_pools->reload_all();
}

Status Node::Impl::begin_upgrade(const std::string& binary, Upgrader::Done done) {
  // What the new process cannot take over yet refuses the upgrade.
  if (shutting_down) return Status::error(ErrorCode::unavailable, "the node is shutting down");
  if (!listeners->unowned().empty()) {
    return Status::error(ErrorCode::bad_request,
                         "hot upgrade needs a numeric IPv4 bind address (the " +
                             listeners->unowned().front() + " listener was bound by ZeroMQ)");
  }
  return upgrader->begin(binary, std::move(done));
}

}  // namespace desaster
