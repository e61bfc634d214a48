# The Rack app of contrib/bench/http: hello world, and /slow that takes
# 50 ms (the overload run). The same file runs under desaster's Ruby pool,
# puma and unicorn.
run(lambda do |env|
  sleep 0.05 if env["PATH_INFO"] == "/slow"
  [200, { "Content-Type" => "text/plain" }, ["hello world\n"]]
end)
