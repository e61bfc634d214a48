# frozen_string_literal: true

# Sidekiq Web's side of contrib/bench/web: fills a Redis (already running,
# empty) with N jobs in queue "bench" and min(N, 100,000) dead jobs the way
# Sidekiq writes them, then times Sidekiq::Web (already running under puma,
# mounted at /) over plain HTTP/1.1, one connection per request, as
# web_bench times desaster-web. Prints one JSON line per figure, with the
# same "query" names as web_bench where they measure the same thing.
#
#   ruby sidekiq_web_bench.rb REDIS_PORT WEB_PORT JOBS REPETITIONS
require "json"
require "net/http"
require "securerandom"
require "redis"

redis_port, web_port, jobs, reps = ARGV.map(&:to_i)
abort "usage: sidekiq_web_bench.rb REDIS_PORT WEB_PORT JOBS REPETITIONS" unless reps&.positive?
dead = [jobs, 100_000].min
redis = Redis.new(host: "127.0.0.1", port: redis_port)
clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }

# Jobs as Sidekiq::Client writes them (a JSON hash per job), in pipelines
# of 1000; the dead set as the retry machinery leaves them (a sorted set by
# death time, with the error), one of them with an error of its own.
started = clock.call
now = Time.now.to_f
redis.respond_to?(:sadd?) ? redis.sadd?("queues", "bench") : redis.sadd("queues", "bench")
(0...jobs).each_slice(1000) do |slice|
  redis.lpush("queue:bench", slice.map do |i|
    JSON.generate("class" => "BenchJob", "args" => ["item-#{i}"], "queue" => "bench",
                  "jid" => SecureRandom.hex(12), "created_at" => now, "enqueued_at" => now, "retry" => true)
  end)
end
(0...dead).each_slice(1000) do |slice|
  redis.zadd("dead", slice.map do |i|
    error = i == dead / 2 ? "Net::ReadTimeout: the one" : "RuntimeError: boom #{i % 8}"
    job = { "class" => "BenchJob", "args" => ["item-#{i}"], "queue" => "bulk", "jid" => SecureRandom.hex(12),
            "created_at" => now, "enqueued_at" => now, "failed_at" => now, "retry_count" => 25,
            "error_class" => error.split(":").first, "error_message" => error }
    [now - i * 0.001, JSON.generate(job)]
  end)
end
warn format("sidekiq_web_bench: %d jobs and %d dead in %.1f s", jobs, dead, clock.call - started)

def http(port, request)
  Net::HTTP.start("127.0.0.1", port, open_timeout: 5, read_timeout: 600) { |h| h.request(request) }
end

def measure(port, name, reps, clock)
  times = []
  bytes = 0
  bad = 0
  http(port, Net::HTTP::Get.new(yield(0))) # unmeasured: the first request compiles the view
  reps.times do |i|
    t = clock.call
    response = http(port, Net::HTTP::Get.new(yield(i)))
    times << (clock.call - t) * 1000
    bytes = response.body.bytesize
    bad += 1 unless response.code == "200"
  end
  times.sort!
  at = ->(q) { times[[times.size - 1, (q * times.size).to_i].min] }
  puts JSON.generate("bench" => "sidekiq-web", "query" => name, "reps" => reps, "p50_ms" => at.call(0.5).round(2),
                     "p99_ms" => at.call(0.99).round(2), "max_ms" => times.last.round(2), "bytes" => bytes,
                     "errors" => bad)
  $stdout.flush
end

# Sidekiq Web shows 25 rows a page; its deepest page of the queue is the
# costliest (LRANGE walks the list from the head).
last_page = [(jobs + 24) / 25, 1].max
measure(web_port, "first page (queue, 25 rows)", reps, clock) { "/queues/bench" }
# Page 101 of 25 rows starts as deep as desaster-web's page after 50 of 50.
measure(web_port, "deep page (page 101)", reps, clock) { "/queues/bench?page=101" }
measure(web_port, "deepest page (page #{last_page})", reps, clock) { "/queues/bench?page=#{last_page}" }
measure(web_port, "dead set, first page", reps, clock) { "/morgue" }
puts JSON.generate("bench" => "sidekiq-web", "query" => "dead set searched for one error",
                   "result" => "n/a: Sidekiq 6.4's Web has no search or filter on the dead set")

# "Retry All" on the dead set: one POST that moves every dead job back to
# its queue before it answers. It needs the session's CSRF token.
page = http(web_port, Net::HTTP::Get.new("/morgue"))
token = page.body[/name=.authenticity_token. value=.([^'"]+)/, 1] or abort "no CSRF token on /morgue"
cookie = page.get_fields("set-cookie").map { |c| c.split(";").first }.join("; ")
post = Net::HTTP::Post.new("/morgue/all/retry", "cookie" => cookie)
post.set_form_data("authenticity_token" => token)
t = clock.call
answer = http(web_port, post)
elapsed = (clock.call - t) * 1000
left = redis.zcard("dead")
puts JSON.generate("bench" => "sidekiq-web", "query" => "bulk retry (dead set: Retry All)", "matching" => dead,
                   "done" => dead - left, "http_answer_ms" => elapsed.round(1), "done_ms" => elapsed.round(1),
                   "status" => answer.code.to_i)
