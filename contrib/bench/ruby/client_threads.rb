# frozen_string_literal: true

# The Ruby client's single enqueue, one thread against many threads of one
# process sharing Desaster.client's one connection (issue 20):
#   ruby client_threads.rb PORT SECONDS [THREADS...]   (default threads: 1 16)
# Each thread calls NoopJob.perform_async with a ~100-byte argument in a loop
# for SECONDS; every call returns once its job is durable. Prints one JSON
# line per thread count, as compare_bench:
#   {"workload":"ruby-enqueue-threads","threads":N,"metric":"jobs_per_s",...}
# contrib/bench/ruby/client_threads (the shell wrapper) starts a node and
# puts the C++ client's single enqueue beside these figures.

$LOAD_PATH.unshift(File.expand_path("../../../workers/ruby/lib", __dir__))
require_relative "noop_job"

port, seconds, *threads = ARGV
abort "usage: ruby client_threads.rb PORT SECONDS [THREADS...]" unless seconds
seconds = Float(seconds)
threads = threads.empty? ? [1, 16] : threads.map { |t| Integer(t) }

Desaster.configure do |c|
  c.url = "tcp://127.0.0.1:#{Integer(port)}"
  c.timeout = 120
end
PAYLOAD = "job-".ljust(100, "x")

def now
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
end

NoopJob.perform_async(PAYLOAD) # connects; not measured
threads.each do |count|
  start = now
  stop = start + seconds
  done = Array.new(count, 0)
  count.times.map do |t|
    Thread.new do
      while now < stop
        NoopJob.perform_async(PAYLOAD)
        done[t] += 1
      end
    end
  end.each(&:join)
  took = now - start
  puts format('{"workload":"ruby-enqueue-threads","threads":%d,"metric":"jobs_per_s","value":%.1f,"jobs":%d,"seconds":%.3f}',
              count, done.sum / took, done.sum, took)
  $stdout.flush
end
