# The Rack app of contrib/bench/http: hello world, and /slow that takes
# 50 ms (the overload run). The same file runs under desaster's Ruby pool,
# puma and unicorn. contrib/bench/http_cluster asks /work, which takes
# BENCH_WORK_MS (default 20) and says which node's pool served it.
# Content-Length is set so that no server has to end the body by closing
# the connection (unicorn would, and HAProxy then closes the client's).
BODY = "hello world\n".freeze
WORK_SECONDS = Float(ENV.fetch("BENCH_WORK_MS", "20")) / 1000
run(lambda do |env|
  case env["PATH_INFO"]
  when "/slow" then sleep 0.05
  when "/work"
    sleep WORK_SECONDS
    served = "served by #{ENV['DESASTER_URL']}\n"
    return [200, { "Content-Type" => "text/plain", "Content-Length" => served.bytesize.to_s }, [served]]
  end
  [200, { "Content-Type" => "text/plain", "Content-Length" => BODY.bytesize.to_s }, [BODY]]
end)
