// Where desaster-web's requests to a node run: a thread of its own with a
// Client, so the HTTP loop never waits on the network. Plain requests
// (an action on ids, a queue command, the workers list) answer their HTTP
// request when they are done; bulk operations (an action on every job a
// filter matches) run on after their HTTP request has been answered, and
// report progress through operation().
//
// A filter the node can select itself (queue and/or one state) is sent as
// ONE "action" request with all: true; any other filter is resolved against
// the replica, in id order, and sent as batches of kMaxActionIds ids.
//
// Threading: post()/start_operation()/drain() on the loop thread; the work
// runs on the runner's thread; the wake callback signals the loop.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/model/status.hpp"
#include "transport/protocol/action_messages.hpp"
#include "ui/web/server/query/web_query.hpp"
#include "ui/web/server/replica.hpp"

namespace desaster {
class Client;
}

namespace desaster::web {

struct Operation {
  std::string id;
  std::string action;
  std::string state = "running";  // running, done, failed
  std::uint64_t matching = 0;     // jobs the filter matched when it started
  protocol::JobActionReply counts;
  std::string error;
  TimeMs started_at = 0;
  TimeMs finished_at = 0;
};
std::string operation_json(const Operation& op);
std::string action_reply_json(const protocol::JobActionReply& r);

// What an action on ids answers: the counts, or an error.
class ActionRunner {
 public:
  using Work = std::function<Result<std::string>(Client&)>;  // the HTTP body
  using Done = std::function<void(Result<std::string>)>;

  ActionRunner(Replica& replica, std::string group_key, std::int64_t timeout_ms,
               std::function<void()> wake);
  ~ActionRunner();
  void start();
  void stop();

  void post(Work work, Done done);
  // Starts a bulk operation; returns its id at once.
  std::string start_operation(WebAction action, std::uint64_t matching);
  std::optional<Operation> operation(const std::string& id) const;
  // On the loop thread: runs the finished requests' Done callbacks and
  // returns the operations that changed since the last call.
  std::vector<Operation> drain();

  // One action on ids (any number: sent in batches), run on the runner's thread.
  static Result<protocol::JobActionReply> act_on_ids(Client& client, const WebAction& action,
                                                     const std::vector<JobId>& ids);

 private:
  void run();
  Client* client();
  void run_operation(const std::string& id, const WebAction& action);
  void update(const std::string& id, const std::function<void(Operation&)>& change);

  Replica& replica_;
  std::string group_key_;
  std::int64_t timeout_ms_;
  std::function<void()> wake_;
  std::thread thread_;
  bool stopping_ = false;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::pair<Done, Result<std::string>>> finished_;
  std::map<std::string, Operation> operations_;
  std::vector<std::string> changed_;
  std::uint64_t next_operation_ = 1;

  // Runner thread only.
  std::unique_ptr<Client> client_;
  std::string client_endpoint_;
};

}  // namespace desaster::web
