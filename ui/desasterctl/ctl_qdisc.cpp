// desasterctl qdisc show|set, and how an ETA reads to people.
#include "ui/desasterctl/ctl_qdisc.hpp"

#include <chrono>
#include <cstdio>

#include "transport/client/msgpack_json.hpp"
#include "transport/protocol/map_reader.hpp"
#include "ui/common/durations.hpp"
#include "ui/common/json_writer.hpp"

namespace desaster {

namespace {

std::string rate_text(std::uint64_t milli) {
  std::string text = std::to_string(milli / 1000);
  if (std::uint64_t frac = milli % 1000) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03llu", static_cast<unsigned long long>(frac));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    text += f;
  }
  return text;
}

std::string describe_config(const QdiscConfig& c) {
  std::string text = to_string(c.kind);
  if (c.kind == QdiscKind::priority && c.aging_ms)
    text += " --aging " + format_duration_ms(c.aging_ms);
  if (c.kind == QdiscKind::sfq) text += " --quantum " + std::to_string(c.quantum);
  if (c.kind == QdiscKind::htb) {
    for (const HtbClass& k : c.classes) {
      text += " \\\n    --class " + k.name + (k.parent.empty() ? "" : "@" + k.parent) + "=" +
              rate_text(k.rate_milli);
      if (k.ceil_milli) text += "/" + rate_text(k.ceil_milli);
      if (k.burst != 1) text += ",burst=" + std::to_string(k.burst);
      if (k.cburst != 1) text += ",cburst=" + std::to_string(k.cburst);
    }
    for (const HtbRule& r : c.rules) {
      std::string fields;
      auto add = [&](const char* name, const std::string& v) {
        if (!v.empty()) fields += (fields.empty() ? ":" : ",") + std::string(name) + "=" + v;
      };
      add("queue", r.queue);
      add("class", r.job_class);
      add("flow", r.flow);
      text += " \\\n    --rule " + r.target + fields;
    }
    if (!c.default_class.empty()) text += " \\\n    --default " + c.default_class;
  }
  return text;
}

std::string accounting_json(const std::string& bytes) {
  if (bytes.empty()) return "null";
  Result<msgpack::object_handle> obj = codec::unpack_bounded(bytes, "accounting");
  return obj.ok() ? msgpack_to_json(obj->get()) : "null";
}

void print_json(const protocol::QdiscReply& r) {
  JsonWriter json;
  json.begin_object().key("queue").value(r.queue);
  json.key("kind").value(to_string(r.config.kind));
  json.key("aging_ms").value(static_cast<std::uint64_t>(r.config.aging_ms));
  json.key("quantum").value(static_cast<std::uint64_t>(r.config.quantum));
  json.key("classes").begin_array();
  for (const HtbClass& k : r.config.classes) {
    json.begin_object().key("name").value(k.name).key("parent").value(k.parent);
    json.key("rate_milli").value(k.rate_milli).key("ceil_milli").value(k.ceil_milli);
    json.key("burst").value(static_cast<std::uint64_t>(k.burst));
    json.key("cburst").value(static_cast<std::uint64_t>(k.cburst)).end_object();
  }
  json.end_array().key("rules").begin_array();
  for (const HtbRule& rule : r.config.rules) {
    json.begin_object().key("queue").value(rule.queue).key("class").value(rule.job_class);
    json.key("flow").value(rule.flow).key("target").value(rule.target).end_object();
  }
  json.end_array().key("default_class").value(r.config.default_class);
  json.key("jobs").value(r.jobs).key("running").value(r.running);
  json.key("workers").value(static_cast<std::uint64_t>(r.workers));
  if (r.next_eligible) {
    json.key("next_eligible_ms").value(static_cast<std::int64_t>(*r.next_eligible));
  } else {
    json.key("next_eligible_ms").null();
  }
  json.end_object();
  // The accounting is free-form msgpack: spliced in as JSON text before
  // the closing brace.
  std::string text = json.str();
  text.pop_back();
  text += ",\"accounting\":" + accounting_json(r.accounting) + "}";
  std::printf("%s\n", text.c_str());
}

}  // namespace

TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describe_eta(const protocol::JobEta& eta, TimeMs now_ms) {
  std::string text = eta.start_ms <= now_ms
                         ? std::string("starts now")
                         : "starts in ~" + format_duration_ms(eta.start_ms - now_ms);
  if (eta.finish_ms > now_ms) text += ", done in ~" + format_duration_ms(eta.finish_ms - now_ms);
  return text + " (" + format_time_ms(eta.start_ms) + ")";
}

int run_qdisc(Client& client, const CtlArgs& args) {
  Result<protocol::QdiscReply> reply = client.qdisc(args.qdisc);
  if (!reply.ok()) {
    std::fprintf(stderr, "desasterctl: %s\n", reply.status().message.c_str());
    return reply.status().code == ErrorCode::unavailable ? 3 : 1;
  }
  if (args.json) {
    print_json(*reply);
    return 0;
  }
  const protocol::QdiscReply& r = *reply;
  std::printf("queue %s: %s\n", r.queue.c_str(), describe_config(r.config).c_str());
  std::printf("%llu queued, %llu running, %u worker slots on this node\n",
              static_cast<unsigned long long>(r.jobs), static_cast<unsigned long long>(r.running),
              r.workers);
  if (r.next_eligible)
    std::printf("held back by rate until %s\n", format_time_ms(*r.next_eligible).c_str());
  std::printf("accounting: %s\n", accounting_json(r.accounting).c_str());
  return 0;
}

}  // namespace desaster
