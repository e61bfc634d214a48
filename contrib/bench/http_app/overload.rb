# Overload client of contrib/bench/http: CONNECTIONS keep-alive connections,
# each sending GETs one after another for SECONDS, each request waiting at
# most TIMEOUT seconds for its answer. Counts what wrk's summary hides: how
# many connections got no answer at all, 503s (and whether they carried
# Retry-After), and the latency of the served ones.
#   ruby overload.rb URL CONNECTIONS SECONDS TIMEOUT
require "net/http"
require "uri"

url = URI(ARGV.fetch(0))
conns = Integer(ARGV.fetch(1))
seconds = Float(ARGV.fetch(2))
timeout = Float(ARGV.fetch(3))

def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

Stat = Struct.new(:ok, :busy, :busy_with_retry_after, :other, :timeouts, :errors, :ok_lat, :busy_lat)
stop_at = now + seconds
stats = Array.new(conns) { Stat.new(0, 0, 0, 0, 0, 0, [], []) }
threads = conns.times.map do |i|
  Thread.new do
    s = stats[i]
    http = nil
    while now < stop_at
      begin
        http ||= Net::HTTP.start(url.host, url.port, open_timeout: timeout, read_timeout: timeout)
        t0 = now
        res = http.request(Net::HTTP::Get.new(url))
        dt = now - t0
        if res.code == "200"
          s.ok += 1
          s.ok_lat << dt
        elsif res.code == "503"
          s.busy += 1
          s.busy_with_retry_after += 1 if res["retry-after"]
          s.busy_lat << dt
        else
          s.other += 1
        end
      rescue Net::ReadTimeout, Net::OpenTimeout
        s.timeouts += 1
        http = (http.finish rescue nil) && nil
      rescue StandardError
        s.errors += 1
        http = (http.finish rescue nil) && nil
        sleep 0.01
      end
    end
    http&.finish rescue nil
  end
end
threads.each(&:join)

def pct(list, p)
  return 0.0 if list.empty?
  s = list.sort
  s[[(s.size * p).ceil - 1, 0].max] * 1000.0
end

ok = stats.sum(&:ok)
busy = stats.sum(&:busy)
other = stats.sum(&:other)
answered = ok + busy + other
unanswered = stats.count { |s| s.ok + s.busy + s.other == 0 }
starved_ok = stats.count { |s| s.ok == 0 }
ok_lat = stats.flat_map(&:ok_lat)
busy_lat = stats.flat_map(&:busy_lat)
printf("answers=%d ok=%d 503=%d (%.0f%%, %d with Retry-After) other=%d timeouts=%d errors=%d " \
       "conns_without_any_answer=%d/%d conns_never_served=%d/%d " \
       "served_p50_ms=%.0f served_p99_ms=%.0f served_max_ms=%.0f 503_max_ms=%.0f\n",
       answered, ok, busy, answered.zero? ? 0 : 100.0 * busy / answered,
       stats.sum(&:busy_with_retry_after), other, stats.sum(&:timeouts), stats.sum(&:errors),
       unanswered, conns, starved_ok, conns, pct(ok_lat, 0.5), pct(ok_lat, 0.99),
       ok_lat.max.to_f * 1000, busy_lat.max.to_f * 1000)
