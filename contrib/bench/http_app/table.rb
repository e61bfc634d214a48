# The tables of contrib/bench/http from its results file (one line per
# measurement: SERVER PHASE RUN key=value...): medians over the runs, and
# each figure's ratio against desaster's in the same run.
#   ruby table.rb RESULTS
rows = File.readlines(ARGV.fetch(0)).map do |line|
  server, phase, run, *kv = line.split
  { server: server, phase: phase, run: run.to_i,
    v: kv.to_h { |p| k, v = p.split("=", 2); [k, v] } }
end
servers = rows.map { |r| r[:server] }.uniq

def median(list)
  s = list.compact.sort
  return nil if s.empty?
  s.size.odd? ? s[s.size / 2] : (s[s.size / 2 - 1] + s[s.size / 2]) / 2.0
end

def num(x, digits = nil)
  return "n/a" if x.nil?
  return format("%.#{digits}f", x) if digits
  return x.round.to_s.reverse.scan(/\d{1,3}/).join(",").reverse if x.abs >= 1000
  x >= 100 ? x.round.to_s : x >= 10 ? format("%.1f", x) : format("%.2f", x)
end

vals = ->(s, phase, key) { rows.select { |r| r[:server] == s && r[:phase] == phase }.map { |r| r[:v][key]&.to_f } }
med = ->(s, phase, key) { median(vals.(s, phase, key)) }
ratio = lambda do |s, phase, key|
  d = med.("desaster", phase, key)
  o = med.(s, phase, key)
  d && o && o.positive? ? format("%.2f", d / o) : "n/a"
end
runs = rows.select { |r| r[:phase] == "cap" }.map { |r| r[:run] }.max || 0

puts "Capacity and latency (medians of #{runs} runs; latency from when each request was due)"
puts
puts "| server | req/s, wrk 128 conns (min-max) | desaster / this | wrk p50 / p99 ms | " \
     "at 50 %: req/s, p50 / p99 ms | at 90 %: req/s, p50 / p99 ms | desaster / this, p99 at 90 % |"
puts "| --- | --- | --- | --- | --- | --- | --- |"
servers.each do |s|
  caps = vals.(s, "cap", "rps").compact
  next if caps.empty?
  # Answers that were not 200, summed over the runs at that rate.
  bad = lambda do |ph|
    n503 = vals.(s, ph, "s503").compact.sum.round
    rest = %w[other timeouts errors].sum { |k| vals.(s, ph, k).compact.sum }.round
    parts = []
    parts << "#{n503} x 503" if n503.positive?
    parts << "#{rest} other/none" if rest.positive?
    parts.empty? ? "" : " (#{parts.join(", ")})"
  end
  rate = lambda do |f|
    "#{num(med.(s, "r#{f}", "offered"))}: #{num(med.(s, "r#{f}", "p50_ms"))} / " \
      "#{num(med.(s, "r#{f}", "p99_ms"))}#{bad.("r#{f}")}"
  end
  puts "| #{s} | #{num(median(caps))} (#{num(caps.min)}-#{num(caps.max)}) | #{ratio.(s, "cap", "rps")} | " \
       "#{num(med.(s, "cap", "p50_ms"))} / #{num(med.(s, "cap", "p99_ms"))} | #{rate.(50)} | #{rate.(90)} | " \
       "#{ratio.(s, "r90", "p99_ms")} |"
end

over = rows.select { |r| r[:phase] == "over" }
unless over.empty?
  puts
  puts "Overload: twice the capacity of /slow (50 ms a request), open loop, each request waits at most 15 s"
  puts
  puts "| server | /slow capacity req/s | offered req/s | served 200 | 503 (share, with Retry-After) | " \
       "no answer (timeouts, errors, other) | served p50 / p99 ms | 503 p99 ms | RSS MB before / peak / after |"
  puts "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  over.each do |r|
    v = r[:v].transform_values { |x| Float(x, exception: false) || x }
    answered = v["ok"] + v["s503"] + v["other"] + v["timeouts"] + v["errors"]
    share = answered.positive? ? 100.0 * v["s503"] / answered : 0
    mb = ->(k) { format("%.0f", v[k] / 1024.0) }
    puts "| #{r[:server]} | #{num(v["slowcap"])} | #{num(v["offered"])} (#{v["due"].round} requests) | #{v["ok"].round} | " \
         "#{v["s503"].round} (#{format("%.0f", share)} %, #{v["retry_after"].round}) | " \
         "#{(v["timeouts"] + v["errors"] + v["other"]).round} (#{v["timeouts"].round}, #{v["errors"].round}, #{v["other"].round}) | " \
         "#{num(v["p50_ms"])} / #{num(v["p99_ms"])} | #{v["s503"].positive? ? num(v["s503_p99_ms"]) : "-"} | " \
         "#{mb.("rss_before_kb")} / #{mb.("rss_peak_kb")} / #{mb.("rss_after_kb")} |"
  end
end

closed = rows.select { |r| r[:phase] == "closed" }
unless closed.empty?
  puts
  puts "Closed-loop overload (http_app/overload.rb: 200 connections on /slow for 10 s)"
  puts
  closed.each { |r| puts "- #{r[:server]}: #{r[:v].map { |k, x| "#{k}=#{x}" }.join(" ")}" }
end
