# frozen_string_literal: true

# Answers with what it was given, so a test can compare env in and reply out.
require "json"

run(lambda do |env|
  big = env["HTTP_X_BIG_BODY"]
  next [200, {}, Array.new(big.to_i, "x" * (1 << 20))] if big # that many MiB

  body = env["rack.input"].read
  reply = {
    "method" => env["REQUEST_METHOD"], "path" => env["PATH_INFO"], "query" => env["QUERY_STRING"],
    "header" => env["HTTP_X_TEST"], "body_hex" => body.unpack1("H*"), "multiprocess" => env["rack.multiprocess"]
  }
  closed_marker = env["HTTP_X_CLOSED_MARKER"]
  proxy = Rack::BodyProxy.new([JSON.generate(reply), "\n"]) { File.write(closed_marker, "closed") if closed_marker }
  [201, { "content-type" => "application/json", "x-multi" => %w[a b] }, proxy]
end)
