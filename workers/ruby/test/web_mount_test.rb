# frozen_string_literal: true

require "test_helper"
require "json"
require "net/http"
require "node_process"
require "desaster/web"

# Desaster::Web mounted in a Rack app (as a Rails app mounts it in
# routes.rb) under a real puma, proxying to a real desaster-web on a real
# node: the page, the JSON API, an action with its CSRF token, the live
# stream, and a clear 502 once desaster-web is gone.
class WebMountTest < Minitest::Test
  WEB_BIN = ENV.fetch("DESASTER_WEB_BIN", nil)
  PUMA = ENV.fetch("PUMA_BIN", "/usr/bin/puma")
  LIB = File.expand_path("../lib", __dir__)

  def setup
    skip "DESASTER_BIN and DESASTER_WEB_BIN name the built binaries" unless NodeProcess.available? && WEB_BIN && File.executable?(WEB_BIN)
    skip "puma (Debian package puma) is not installed" unless File.executable?(PUMA)

    @node = NodeProcess.new
    @dir = Dir.mktmpdir("desaster-web-mount")
    @web_port = NodeProcess.free_port
    @web_log = File.join(@dir, "web.log")
    @web = Process.spawn(WEB_BIN, "-c", "127.0.0.1:#{@node.port}", "--listen", "127.0.0.1:#{@web_port}",
                         "--base-path", "/desaster", out: @web_log, err: [:child, :out])
    await("desaster-web serving") { File.read(@web_log).include?("desaster-web: serving") }
    start_puma
  end

  def teardown
    [@puma, @web].compact.each do |pid|
      Process.kill("TERM", pid)
      Process.wait(pid)
    rescue Errno::ESRCH, Errno::ECHILD
      nil
    end
    @node&.stop
    FileUtils.rm_rf(@dir) if @dir
  end

  def test_page_api_action_live_stream_and_502_through_the_mount
    page = get("/desaster/")
    assert_equal "200", page.code, page.body
    assert_match %r{text/html}, page["content-type"]
    assert_includes page.body, "assets/app.js"
    script = get("/desaster/assets/app.js")
    assert_equal "200", script.code
    assert_match(/javascript/, script["content-type"])
    # Outside the mount the host app answers, not desaster-web.
    assert_equal "404", get("/elsewhere").code

    session = JSON.parse(get("/desaster/api/session").body)
    token = session.fetch("csrf_token")
    refute_empty token

    # The live stream opens through the proxy and carries what happens next.
    events = open_events
    client = @node.client
    # No pool serves this class, so the job stays queued.
    id = client.enqueue("MountedJob", 1, queue: "mounted")
    events.await_op_with(id)

    # /api/ answers JSON from desaster-web's replica.
    jobs = await_json("/desaster/api/jobs?queue=mounted") { |j| j["jobs"]&.any? }
    assert_equal [id], jobs["jobs"].map { |j| j["id"] }

    # An action needs the CSRF token: refused without, done with it.
    refused = post("/desaster/api/queues/mounted/pause", "{}", token: nil)
    assert_equal "403", refused.code
    assert_match(/X-CSRF-Token/, refused.body)
    refute paused?(client, "mounted")
    done = post("/desaster/api/queues/mounted/pause", "{}", token: token)
    assert_equal "200", done.code, done.body
    assert paused?(client, "mounted"), "the node has the queue paused"

    events.close
    client.close
    Process.kill("TERM", @web)
    Process.wait(@web)
    @web = nil
    gone = get("/desaster/api/session")
    assert_equal "502", gone.code
    assert_match(/desaster-web at http:\/\/127\.0\.0\.1:#{@web_port} is not answering/, gone.body)
  end

  private

  def paused?(client, name)
    client.queues.find { |q| q["name"] == name }&.fetch("paused")
  end

  def start_puma
    File.write(File.join(@dir, "config.ru"), <<~RUBY)
      require "desaster/web"
      Desaster::Web.upstream = "http://127.0.0.1:#{@web_port}"
      # As Rails' `mount Desaster::Web => "/desaster"`: SCRIPT_NAME is the mount.
      map("/desaster") { run Desaster::Web }
      run ->(_env) { [404, { "content-type" => "text/plain" }, ["host app\n"]] }
    RUBY
    @puma_port = NodeProcess.free_port
    @puma_log = File.join(@dir, "puma.log")
    @puma = Process.spawn({ "RUBYLIB" => LIB }, PUMA, "-b", "tcp://127.0.0.1:#{@puma_port}", "-t", "4:8",
                          "-e", "production", File.join(@dir, "config.ru"),
                          chdir: @dir, out: @puma_log, err: [:child, :out])
    await("puma listening") { File.read(@puma_log).include?("Listening on") }
  end

  def http
    Net::HTTP.start("127.0.0.1", @puma_port, open_timeout: 5, read_timeout: 15) { |h| yield h }
  end

  def get(path)
    http { |h| h.get(path) }
  end

  def post(path, body, token:)
    headers = { "content-type" => "application/json" }
    headers["x-csrf-token"] = token if token
    http { |h| h.post(path, body, headers) }
  end

  # Polls desaster-web's replica (it follows the node's feed) until the
  # answer satisfies the block.
  def await_json(path)
    last = nil
    await("#{path} as expected (last: #{last})") do
      response = get(path)
      last = response.body
      response.code == "200" && yield(JSON.parse(last))
    end
    JSON.parse(last)
  end

  def await(what, seconds: 15)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    until yield
      if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        flunk "timed out waiting for #{what}; puma: #{read(@puma_log)} web: #{read(@web_log)}"
      end
      sleep 0.05
    end
  end

  def read(path)
    path && File.exist?(path) ? File.read(path) : ""
  end

  def open_events
    EventStream.new(@puma_port, "/desaster/api/events")
  end

  # Reads /api/events through the mount on a thread of its own, as an
  # EventSource would.
  class EventStream
    def initialize(port, path)
      @text = +""
      @lock = Mutex.new
      @changed = ConditionVariable.new
      @status = nil
      @thread = Thread.new do
        Net::HTTP.start("127.0.0.1", port, read_timeout: 30) do |h|
          h.request(Net::HTTP::Get.new(path, "accept" => "text/event-stream")) do |response|
            @lock.synchronize { @status = [response.code, response["content-type"]] }
            response.read_body do |chunk|
              @lock.synchronize do
                @text << chunk
                @changed.broadcast
              end
            end
          end
        end
      rescue IOError, SystemCallError
        nil
      end
      wait_for(10) { @text.include?("event: hello") }
      raise "events: #{@status.inspect}" unless @status&.first == "200" && @status.last.start_with?("text/event-stream")
    end

    # An `op` event naming the job arrives without any request of ours.
    def await_op_with(id)
      wait_for(10) { @text.match?(/event: op\ndata: [^\n]*"#{id}"/) } ||
        raise("no op event for #{id} through the mount; got: #{@text}")
    end

    def close
      @thread.kill
      @thread.join(1)
    end

    private

    def wait_for(seconds)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
      @lock.synchronize do
        until yield
          left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
          return false if left <= 0

          @changed.wait(@lock, left)
        end
        true
      end
    end
  end
end
