# frozen_string_literal: true

# The enqueue rate from the Ruby client (issue 6), for contrib/bench/compare:
#   ruby enqueue_rate.rb desaster|sidekiq PORT JOBS SECONDS [QUEUE]
# Enqueues NoopJob with one ~100-byte string argument (as every compare
# workload), first one job per call (desaster: NoopJob.perform_async, i.e.
# Desaster.enqueue; Sidekiq: NoopJob.perform_async), then in bulk, 1000 jobs
# per call (desaster: perform_bulk, one request; Sidekiq: Sidekiq::Client.
# push_bulk, one LPUSH of 1000). Each part stops at JOBS or after SECONDS,
# whichever comes first. Prints one JSON line per figure, as compare_bench:
#   {"workload":"ruby-enqueue-single"|"ruby-enqueue-bulk","peer":P,"metric":"jobs_per_s",...}
# Both clients run in this one process (the server is on loopback); neither
# side has a worker running, so the jobs just queue.

peer, port, jobs, seconds, queue = ARGV
abort "usage: ruby enqueue_rate.rb desaster|sidekiq PORT JOBS SECONDS [QUEUE]" unless seconds
port = Integer(port)
jobs = Integer(jobs)
seconds = Float(seconds)
queue ||= "default"
BULK = 1000

def payload(i)
  "job-#{i}-".ljust(100, "x")
end

def now
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
end

# Calls the block with the index of the next job and how many to enqueue
# until JOBS are enqueued or SECONDS are over; prints the rate.
def measure(peer, workload, jobs, seconds, batch)
  done = 0
  start = now
  while done < jobs && now - start < seconds
    count = [batch, jobs - done].min
    yield done, count
    done += count
  end
  took = now - start
  rate = took.positive? ? done / took : 0
  puts format('{"workload":"%s","peer":"%s","metric":"jobs_per_s","value":%.1f,"jobs":%d,"seconds":%.3f}',
              workload, peer, rate, done, took)
  $stdout.flush
end

case peer
when "desaster"
  require_relative "noop_job"
  Desaster.configure do |c|
    c.url = "tcp://127.0.0.1:#{port}"
    c.timeout = 120
  end
  NoopJob.desaster_options(queue: queue)
  NoopJob.perform_async(payload(0)) # connects; not measured
  measure(peer, "ruby-enqueue-single", jobs, seconds, 1) { |i, _| NoopJob.perform_async(payload(i)) }
  measure(peer, "ruby-enqueue-bulk", jobs, seconds, BULK) do |i, n|
    NoopJob.perform_bulk((i...i + n).map { |k| [payload(k)] })
  end
when "sidekiq"
  require "sidekiq"
  # redis-rb 4.8 warns on stderr at every SADD Sidekiq's push makes (its
  # return type changes in 5.0): a line per job would be what is measured.
  Redis.silence_deprecations = true
  Sidekiq.configure_client { |c| c.redis = { url: "redis://127.0.0.1:#{port}/0" } }
  class NoopJob
    include Sidekiq::Worker
    sidekiq_options retry: false, queue: "default"

    def perform(_arg); end
  end
  NoopJob.perform_async(payload(0)) # connects; not measured
  measure(peer, "ruby-enqueue-single", jobs, seconds, 1) { |i, _| NoopJob.perform_async(payload(i)) }
  measure(peer, "ruby-enqueue-bulk", jobs, seconds, BULK) do |i, n|
    Sidekiq::Client.push_bulk("class" => NoopJob, "args" => (i...i + n).map { |k| [payload(k)] })
  end
else
  abort "enqueue_rate.rb: unknown peer #{peer} (desaster or sidekiq)"
end
