# The Rack app of tests/integration/http_front_test.cpp, wrapped in
# Rack::Lint (Debian's ruby-rack), so every request the front end hands a
# worker passes Lint's checks of the env and of the reply.
require "json"
# Rack 2.2's Lint checks authorities with URI but does not load it.
require "uri"
require "rack/lint"

class HttpTestApp
  ENV_KEYS = %w[REQUEST_METHOD PATH_INFO QUERY_STRING SCRIPT_NAME SERVER_NAME SERVER_PORT
                SERVER_PROTOCOL REMOTE_ADDR HTTPS HTTP_HOST HTTP_X_FORWARDED_FOR
                HTTP_X_FORWARDED_PROTO HTTP_X_FORWARDED_HOST HTTP_X_CUSTOM CONTENT_TYPE
                CONTENT_LENGTH rack.url_scheme].freeze

  def call(env)
    case env["PATH_INFO"]
    when "/whoami"
      # Which node's pool served it: the node sets DESASTER_URL to its own client port.
      text("served by #{ENV['DESASTER_URL']} pid #{Process.pid}")
    when "/work"
      # A request that takes its time: HTTP_APP_WORK_SECONDS in the node's
      # environment makes one node slow (tests/cluster/http_balance_test.cpp).
      # (or ?s=SECONDS for one request).
      seconds = env["QUERY_STRING"][/\bs=([0-9.]+)/, 1] || ENV.fetch("HTTP_APP_WORK_SECONDS", "0.05")
      sleep(Float(seconds))
      text("served by #{ENV['DESASTER_URL']}")
    when "/hello"
      text("hello #{env['QUERY_STRING']}")
    when "/echo"
      body = env["rack.input"].read
      text("#{env['REQUEST_METHOD']} #{env['CONTENT_TYPE']} #{body.bytesize}:#{body}")
    when "/env"
      [200, { "Content-Type" => "application/json" }, [JSON.generate(env.slice(*ENV_KEYS))]]
    when "/cookies"
      [200, { "Content-Type" => "text/plain", "Set-Cookie" => "a=1\nb=2" }, ["two cookies"]]
    when "/slow"
      # Tells the test which worker is busy, then takes its time.
      File.write(env["QUERY_STRING"].split("=", 2).last, Process.pid.to_s) if env["QUERY_STRING"].start_with?("pidfile=")
      sleep 30 if env["QUERY_STRING"].start_with?("pidfile=")
      sleep 1.5 unless env["QUERY_STRING"].start_with?("pidfile=")
      text("slept")
    when "/die-once"
      # The first worker to take it dies mid-request; the retry succeeds.
      marker = env["QUERY_STRING"].split("=", 2).last
      unless File.exist?(marker)
        File.write(marker, Process.pid.to_s)
        Process.kill(:KILL, Process.pid)
      end
      text("survived on #{Process.pid}")
    when "/raise"
      raise "the app failed on purpose"
    else
      [404, { "Content-Type" => "text/plain" }, ["no such page"]]
    end
  end

  private

  def text(body)
    [200, { "Content-Type" => "text/plain" }, [body]]
  end
end

use Rack::Lint
# As Rails has it: a HEAD reply carries no body (Lint checks that).
use Rack::Head
run HttpTestApp.new
