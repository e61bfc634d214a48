#include "core/node/query_answers.hpp"

#include "core/state/list_query.hpp"
#include "transport/protocol/replies.hpp"

namespace desaster {

ListQuery to_list_query(const protocol::List& b) {
  ListQuery q;
  q.queue = b.queue;
  q.state = b.state;
  q.after = b.after;
  q.limit = b.limit;
  q.states = b.states;
  q.search = b.search;
  q.job_class = b.job_class;
  q.node = b.node;
  q.flow = b.flow;
  q.attempts_min = b.attempts_min;
  q.attempts_max = b.attempts_max;
  q.created = b.created;
  q.started = b.started;
  q.finished = b.finished;
  q.run_at = b.run_at;
  q.sort = b.sort;
  q.descending = b.descending;
  q.cursor = b.cursor;
  return q;
}

Result<std::string> answer_list(const State& state, const protocol::List& request,
                                const EtaFn& eta) {
  ListQuery query = to_list_query(request);
  if (Status ok = check_list_query(query); !ok.ok()) return ok;
  ListPage page = state.list(query);
  protocol::ListReply reply;
  reply.jobs.reserve(page.jobs.size());
  for (const Job* job : page.jobs) {
    reply.jobs.push_back(*job);
    if (eta) reply.etas.push_back(eta(*job));
  }
  reply.next = page.next;
  reply.total = page.total;
  reply.cursor = std::move(page.cursor);
  reply.total_exact = page.total_exact;
  reply.index = state.applied_index();
  reply.term = state.applied_term();
  return protocol::encode_body(reply);
}

Result<std::string> answer_groups(const State& state, const protocol::Groups& request) {
  protocol::GroupsReply reply;
  for (JobGroup& g : state.groups(request.by, request.states))
    reply.groups.push_back({std::move(g.key), g.count, g.example});
  reply.index = state.applied_index();
  reply.term = state.applied_term();
  return protocol::encode_body(reply);
}

}  // namespace desaster
