# frozen_string_literal: true

require "socket"
require "tmpdir"
require "fileutils"
require "desaster"

# A real `desaster -s` on loopback for the client tests. DESASTER_BIN names
# the binary; tests that need one skip without it.
class NodeProcess
  BIN = ENV.fetch("DESASTER_BIN", nil)

  def self.available?
    BIN && File.executable?(BIN)
  end

  # A base port whose client, feed and dispatch ports (base..base+3) are all
  # free now; random so parallel test runs rarely meet.
  def self.free_port
    100.times do
      base = rand(20_000..50_000)
      return base if (base..base + 3).all? { |p| port_free?(p) }
    end
    raise "no free port range found"
  end

  def self.port_free?(port)
    TCPServer.new("127.0.0.1", port).close
    true
  rescue Errno::EADDRINUSE, Errno::EACCES
    false
  end

  attr_reader :port, :data_dir, :pid

  def initialize
    @port = self.class.free_port
    @dir = Dir.mktmpdir("desaster-node")
    @data_dir = File.join(@dir, "data")
    @log = File.join(@dir, "node.log")
    spawn
  end

  # kill -9, as a crash: nothing is answered, the connections close.
  def kill!
    Process.kill("KILL", @pid)
    Process.wait(@pid)
  end

  # Starts the node again on its port and data dir (after kill!).
  def restart
    spawn
  end

  def url
    "tcp://127.0.0.1:#{@port}"
  end

  def client(timeout: 5)
    Desaster::Client.new(url: url, timeout: timeout)
  end

  def log
    File.read(@log)
  end

  def stop
    Process.kill("TERM", @pid)
    Process.wait(@pid)
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  ensure
    FileUtils.rm_rf(@dir)
  end

  private

  def spawn
    @pid = Process.spawn(BIN, "-s", "-a", "127.0.0.1", "-p", @port.to_s, "-d", @data_dir,
                         out: [@log, "a"], err: [:child, :out])
    await_hello
  end

  # The node binds its port a moment after it starts: until then a connect
  # is refused (fast), so ask again until it answers.
  def await_hello
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 15
    begin
      probe = client(timeout: 15)
      probe.hello
    rescue Desaster::ConnectionRefusedError
      probe&.close
      raise "node on port #{@port} did not start listening: #{log}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.05
      retry
    rescue Desaster::TimeoutError
      raise "node on port #{@port} did not answer: #{log}"
    ensure
      probe&.close
    end
  end
end
