// Job memory benchmark: the heap bytes the State holds per queued job, as
// workload 6 of contrib/bench/compare enqueues them (task jobs of class
// "Noop" with a 100-byte payload, one queue, batches of 5000), measured with
// mallinfo2 around the enqueues, so without the node's buffers, journal and
// allocator slack that RSS adds. Prints the static sizes of the records
// involved too, to lay out where a job's bytes go. One JSON line per figure.
//   job_memory_bench [jobs]   (default 200000)
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/model/job.hpp"
#include "core/qdisc/qdisc.hpp"
#include "core/state/state.hpp"
#include "core/state/state_impl.hpp"

using namespace desaster;

namespace {

std::string payload(std::size_t i) {
  std::string p = "job-" + std::to_string(i) + "-";
  p.resize(100, 'x');
  return p;
}

std::size_t heap_in_use() {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // small chunks and mmapped ones
}

// Heap bytes per entry of one structure filled with `n` entries by `fill`.
template <typename Fill>
double per_entry(std::size_t n, Fill&& fill) {
  malloc_trim(0);
  const std::size_t before = heap_in_use();
  auto held = fill(n);
  const std::size_t after = heap_in_use();
  return static_cast<double>(after - before) / static_cast<double>(n);
}

Job bench_job(JobId id, std::size_t i, TimeMs now) {
  Job job;
  job.id = id;
  job.queue = "compare";
  job.kind = JobKind::task;
  job.job_class = "Noop";
  job.payload = payload(i);
  job.created_at = now;
  return job;
}

void structures(std::size_t n, TimeMs now) {
  using namespace state_detail;
  auto print = [](const char* name, double bytes) {
    std::printf("{\"figure\":\"%s\",\"bytes\":%.1f}\n", name, bytes);
  };
  print("payload_block", per_entry(n, [&](std::size_t k) {
                           std::vector<std::string> v;
                           v.reserve(k);
                           for (std::size_t i = 0; i < k; ++i) v.push_back(payload(i));
                           return v;
                         }) - sizeof(std::string));
  print("jobs_map_node_without_payload", per_entry(n, [&](std::size_t k) {
          std::map<JobId, JobSlot> m;
          for (std::size_t i = 0; i < k; ++i) {
            Job job = bench_job(i + 1, i, now);
            job.payload.clear();
            job.payload.shrink_to_fit();  // its block is counted apart
            m.emplace(job.id, JobSlot{std::move(job), nullptr, 0});
          }
          return m;
        }));
  print("by_state_set", per_entry(n, [&](std::size_t k) {
          decltype(QueueEntry::by_state)::value_type s;
          for (std::size_t i = 0; i < k; ++i) s.insert(i + 1);
          return s;
        }));
  print("query_index_7_sets", per_entry(n, [&](std::size_t k) {
                                auto index = std::make_unique<QueryIndex>();
                                std::vector<Job> jobs;
                                jobs.reserve(k);
                                for (std::size_t i = 0; i < k; ++i) {
                                  Job job;
                                  job.id = i + 1;
                                  job.job_class = "Noop";
                                  job.created_at = now;
                                  jobs.push_back(job);
                                }
                                for (const Job& job : jobs) index->attach(job);
                                // The jobs themselves are subtracted below: only the index counts.
                                return std::make_pair(std::move(index), std::move(jobs));
                              }) - sizeof(Job));
  print("qdisc_fifo_entry", per_entry(n, [&](std::size_t k) {
          auto q = std::move(*make_qdisc(QdiscConfig{}, "compare"));
          for (std::size_t i = 0; i < k; ++i)
            (void)q->insert(QdiscEntry{i + 1, 0, "Noop", "Noop", now, 0});
          return q;
        }));
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t jobs = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200'000;
  constexpr std::size_t kBatch = 5000;
  constexpr TimeMs kNow = 1'790'000'000'000;
  std::printf("{\"figure\":\"sizeof_job\",\"bytes\":%zu}\n", sizeof(Job));
  std::printf("{\"figure\":\"sizeof_qdisc_entry\",\"bytes\":%zu}\n", sizeof(QdiscEntry));

  structures(jobs, kNow);

  State state;
  std::uint64_t index = 0;
  // The queue exists before the measurement, as the peer's prepare() makes it.
  {
    EnqueueOp op;
    Job job;
    job.id = 1;
    job.queue = "compare";
    job.kind = JobKind::task;
    job.job_class = "Noop";
    job.payload = payload(0);
    op.jobs.push_back(job);
    state.apply(Op{op}, ApplyContext{1, ++index, kNow});
  }
  malloc_trim(0);
  const std::size_t before = heap_in_use();
  JobId next_id = 2;
  for (std::size_t done = 0; done < jobs; done += kBatch) {
    EnqueueOp op;
    for (std::size_t i = 0; i < kBatch && done + i < jobs; ++i) {
      Job job;
      job.id = next_id++;
      job.queue = "compare";
      job.kind = JobKind::task;
      job.job_class = "Noop";
      job.payload = payload(done + i);
      job.created_at = kNow;
      op.jobs.push_back(std::move(job));
    }
    state.apply(Op{std::move(op)}, ApplyContext{1, ++index, kNow});
  }
  const std::size_t after = heap_in_use();
  std::printf("{\"figure\":\"heap_bytes_per_queued_job\",\"jobs\":%zu,\"bytes\":%.1f}\n", jobs,
              static_cast<double>(after - before) / static_cast<double>(jobs));
  return 0;
}
