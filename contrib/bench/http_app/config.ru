# The Rack app of contrib/bench/http: hello world, and /slow that takes
# 50 ms (the overload run). The same file runs under desaster's Ruby pool,
# puma and unicorn.
# Content-Length is set so that no server has to end the body by closing
# the connection (unicorn would, and HAProxy then closes the client's).
BODY = "hello world\n".freeze
run(lambda do |env|
  sleep 0.05 if env["PATH_INFO"] == "/slow"
  [200, { "Content-Type" => "text/plain", "Content-Length" => BODY.bytesize.to_s }, [BODY]]
end)
