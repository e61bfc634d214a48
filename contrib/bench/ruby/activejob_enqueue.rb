# frozen_string_literal: true

# One perform_later against one direct enqueue (issue 16), on a server
# already running on loopback:
#   ruby -I workers/ruby/lib activejob_enqueue.rb desaster|sidekiq PORT [JOBS]
# desaster: Desaster.enqueue of a plain class vs ActiveJob's perform_later
# through the :desaster adapter (both durable when they return); sidekiq:
# Sidekiq's perform_async vs perform_later through Rails' :sidekiq adapter.
# Each call's latency, one job per call, one ~100-byte string argument; no
# worker runs, the jobs just queue. One JSON line per figure:
#   {"workload":"ruby-enqueue-call"|"activejob-perform-later","peer":P,"p50_us":..,"p99_us":..}
require "active_job"
require "json"

peer, port, jobs = ARGV
abort "usage: ruby activejob_enqueue.rb desaster|sidekiq PORT [JOBS]" unless port
port = Integer(port)
jobs = Integer(jobs || 2000)
ARG = "x" * 100

def latencies(jobs)
  yield # connects; not measured
  Array.new(jobs) do
    start = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
    yield
    (Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond) - start) / 1000.0
  end.sort
end

def report(peer, workload, sorted)
  pick = ->(q) { sorted[[(sorted.size * q).ceil - 1, 0].max].round(1) }
  puts JSON.generate("workload" => workload, "peer" => peer, "jobs" => sorted.size,
                     "p50_us" => pick.call(0.5), "p99_us" => pick.call(0.99))
  $stdout.flush
end

class NoopActiveJob < ActiveJob::Base
  def perform(_arg); end
end
ActiveJob::Base.logger = Logger.new(nil)

case peer
when "desaster"
  require "desaster/active_job"
  Desaster.configure { |c| c.url = "tcp://127.0.0.1:#{port}" }
  ActiveJob::Base.queue_adapter = :desaster
  class NoopJob
    def self.perform(_arg); end
  end
  report(peer, "ruby-enqueue-call", latencies(jobs) { Desaster.enqueue(NoopJob, ARG) })
when "sidekiq"
  require "sidekiq"
  Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)
  Sidekiq.configure_client { |c| c.redis = { url: "redis://127.0.0.1:#{port}/0" } }
  ActiveJob::Base.queue_adapter = :sidekiq
  class NoopJob
    include Sidekiq::Worker
    def perform(_arg); end
  end
  report(peer, "ruby-enqueue-call", latencies(jobs) { NoopJob.perform_async(ARG) })
else
  abort "activejob_enqueue.rb: unknown peer #{peer} (desaster or sidekiq)"
end
report(peer, "activejob-perform-later", latencies(jobs) { NoopActiveJob.perform_later(ARG) })
