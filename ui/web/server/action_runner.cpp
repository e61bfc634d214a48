#include "ui/web/server/action_runner.hpp"

#include <chrono>

#include "core/model/job_id.hpp"
#include "transport/client/client.hpp"
#include "ui/common/json_writer.hpp"
#include "ui/web/server/search_page.hpp"
#include "ui/web/server/signature_filter.hpp"

namespace desaster::web {

namespace {

TimeMs wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void add_counts(protocol::JobActionReply& into, const protocol::JobActionReply& r) {
  into.selected += r.selected;
  into.done += r.done;
  into.already_final += r.already_final;
  into.not_found += r.not_found;
  into.refused += r.refused;
  for (const auto& e : r.errors) {
    if (into.errors.size() < protocol::kMaxActionErrors) {
      into.errors.push_back(e);
    } else {
      ++into.errors_left_out;
    }
  }
  into.errors_left_out += r.errors_left_out;
}

void write_counts(JsonWriter& w, const protocol::JobActionReply& r) {
  w.key("selected").value(r.selected).key("done").value(r.done);
  w.key("already_final").value(r.already_final).key("not_found").value(r.not_found);
  w.key("refused").value(r.refused).key("errors").begin_array();
  for (std::size_t i = 0; i < r.errors.size() && i < 100; ++i) {
    const auto& e = r.errors[i];
    w.begin_object().key("id").value(format_job_id(e.id));
    w.key("code").value(to_string(e.status.code)).key("message").value(e.status.message);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string action_reply_json(const protocol::JobActionReply& r) {
  JsonWriter w;
  w.begin_object();
  write_counts(w, r);
  w.end_object();
  return w.str();
}

std::string operation_json(const Operation& op) {
  JsonWriter w;
  w.begin_object().key("id").value(op.id).key("action").value(op.action);
  w.key("state").value(op.state).key("matching").value(op.matching);
  write_counts(w, op.counts);
  w.key("error").value(op.error);
  w.key("started_at").value(static_cast<std::int64_t>(op.started_at));
  w.key("finished_at");
  if (op.finished_at > 0) {
    w.value(static_cast<std::int64_t>(op.finished_at));
  } else {
    w.null();
  }
  w.end_object();
  return w.str();
}

ActionRunner::ActionRunner(Replica& replica, std::string group_key, std::int64_t timeout_ms,
                           std::function<void()> wake)
    : replica_(replica),
      group_key_(std::move(group_key)),
      timeout_ms_(timeout_ms),
      wake_(std::move(wake)) {}

ActionRunner::~ActionRunner() {
  stop();
}

void ActionRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void ActionRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ActionRunner::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

Client* ActionRunner::client() {
  const std::string endpoint = replica_.connection().endpoint;
  if (client_ && client_endpoint_ == endpoint) return client_.get();
  client_.reset();
  ClientOptions o;
  o.endpoint = endpoint;
  o.group_key = group_key_;
  o.name = "desaster-web";
  o.timeout = std::chrono::milliseconds(timeout_ms_);
  auto c = Client::connect(o);
  if (!c.ok()) return nullptr;
  client_ = std::move(*c);
  client_endpoint_ = endpoint;
  return client_.get();
}

void ActionRunner::post(Work work, Done done) {
  auto job = [this, work = std::move(work), done = std::move(done)]() mutable {
    Result<std::string> result =
        Status::error(ErrorCode::unavailable, "no node reachable; try again");
    for (int attempt = 0; attempt < 2; ++attempt) {
      Client* c = client();
      if (c == nullptr) continue;
      result = work(*c);
      // A call that timed out leaves the client without a socket: the
      // second attempt reconnects (to the node the replica moved to, maybe).
      if (result.ok() || result.status().code != ErrorCode::unavailable) break;
      client_.reset();
    }
    {
      std::lock_guard lock(mutex_);
      finished_.emplace_back(std::move(done), std::move(result));
    }
    wake_();
  };
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(job));
  }
  cv_.notify_one();
}

Result<protocol::JobActionReply> ActionRunner::act_on_ids(Client& client, const WebAction& action,
                                                          const std::vector<JobId>& ids) {
  protocol::JobActionReply total;
  for (std::size_t at = 0; at < ids.size(); at += kMaxActionIds) {
    const std::vector<JobId> batch(
        ids.begin() + static_cast<std::ptrdiff_t>(at),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + kMaxActionIds)));
    if (action.kind == WebActionKind::job_action) {
      protocol::JobAction a = action.job;
      a.all = false;
      a.ids = batch;
      auto reply = client.job_action(a);
      if (!reply.ok()) return reply.status();
      add_counts(total, *reply);
      continue;
    }
    auto statuses = action.kind == WebActionKind::pin
                        ? client.pin(batch, action.pin_node, action.pin_pool)
                        : client.unpin(batch);
    if (!statuses.ok()) return statuses.status();
    protocol::JobActionReply r;
    r.selected = batch.size();
    for (std::size_t i = 0; i < statuses->size() && i < batch.size(); ++i) {
      const Status& s = (*statuses)[i];
      if (s.ok()) {
        ++r.done;
      } else if (s.code == ErrorCode::not_found) {
        ++r.not_found;
      } else {
        ++r.refused;
        if (r.errors.size() < protocol::kMaxActionErrors) r.errors.push_back({batch[i], s});
      }
    }
    add_counts(total, r);
  }
  return total;
}

std::string ActionRunner::start_operation(WebAction action, std::uint64_t matching) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    id = "op-" + std::to_string(next_operation_++);
    Operation op;
    op.id = id;
    op.action = action.kind == WebActionKind::pin     ? "pin"
                : action.kind == WebActionKind::unpin ? "unpin"
                                                      : protocol::to_string(action.job.action);
    op.matching = matching;
    op.started_at = wall_ms();
    operations_[id] = op;
    changed_.push_back(id);
    // Finished operations are kept for a while; the oldest go past 1000.
    while (operations_.size() > 1000) operations_.erase(operations_.begin());
    tasks_.push_back([this, id, action = std::move(action)] { run_operation(id, action); });
  }
  cv_.notify_one();
  wake_();
  return id;
}

void ActionRunner::update(const std::string& id, const std::function<void(Operation&)>& change) {
  {
    std::lock_guard lock(mutex_);
    auto it = operations_.find(id);
    if (it == operations_.end()) return;
    change(it->second);
    changed_.push_back(id);
  }
  wake_();
}

void ActionRunner::run_operation(const std::string& id, const WebAction& action) {
  auto fail = [&](const Status& s) {
    update(id, [&](Operation& op) {
      op.state = "failed";
      op.error = s.message;
      op.finished_at = wall_ms();
    });
  };
  Client* c = client();
  if (c == nullptr) return fail(Status::error(ErrorCode::unavailable, "no node reachable"));
  const ListQuery& filter = *action.filter;
  if (action.node_selectable && action.kind == WebActionKind::job_action) {
    // One request; the node selects the jobs itself at the moment it acts.
    protocol::JobAction a = action.job;
    a.all = true;
    a.ids.clear();
    a.query_queue = filter.queue;
    if (filter.state) {
      a.query_state = filter.state;
    } else if (filter.states.size() == 1) {
      a.query_state = filter.states.front();
    }
    auto reply = c->job_action(a);
    if (!reply.ok()) {
      client_.reset();
      return fail(reply.status());
    }
    update(id, [&](Operation& op) {
      op.counts = *reply;
      op.state = "done";
      op.finished_at = wall_ms();
    });
    return;
  }
  // Resolved against the replica page by page (id order: a cursor that
  // neither skips nor repeats while the action changes the jobs' states).
  ListQuery q = filter;
  q.sort = SortColumn::id;
  q.descending = false;
  q.limit = kMaxActionIds;
  q.cursor.clear();
  for (;;) {
    std::vector<JobId> ids;
    std::string cursor = q.cursor;
    replica_.read_indexed([&](const State& state, const SearchIndex& search) {
      if (!action.error_signature.empty()) {
        ids = ids_by_signature(state, q, action.error_signature, cursor);
        return 0;
      }
      std::optional<ListPage> indexed = search_page(state, search, q);
      const ListPage page = indexed ? std::move(*indexed) : state.list(q);
      for (const Job* j : page.jobs) ids.push_back(j->id);
      cursor = page.cursor;
      return 0;
    });
    if (!ids.empty()) {
      auto reply = act_on_ids(*c, action, ids);
      if (!reply.ok()) {
        client_.reset();
        return fail(reply.status());
      }
      update(id, [&](Operation& op) { add_counts(op.counts, *reply); });
    }
    if (cursor.empty() || stopping_) break;
    q.cursor = cursor;
  }
  update(id, [&](Operation& op) {
    op.state = "done";
    op.finished_at = wall_ms();
  });
}

std::optional<Operation> ActionRunner::operation(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = operations_.find(id);
  if (it == operations_.end()) return std::nullopt;
  return it->second;
}

std::vector<Operation> ActionRunner::drain() {
  std::vector<std::pair<Done, Result<std::string>>> finished;
  std::vector<Operation> changed;
  {
    std::lock_guard lock(mutex_);
    finished.swap(finished_);
    std::vector<std::string> ids;
    ids.swap(changed_);
    for (const std::string& id : ids) {
      auto it = operations_.find(id);
      if (it == operations_.end()) continue;
      bool seen = false;
      for (const Operation& op : changed) seen = seen || op.id == id;
      if (!seen) changed.push_back(it->second);
    }
  }
  for (auto& [done, result] : finished) done(std::move(result));
  return changed;
}

}  // namespace desaster::web
