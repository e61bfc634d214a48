# frozen_string_literal: true

require "fileutils"
require "socket"
require "tmpdir"
require "desaster/client"

module Desaster
  # Starts a standalone node on this host when none answers, so that an app
  # can depend on one without an init script. Several processes may race
  # (every Puma worker running the same initializer): a per-port flock makes
  # check-and-start one step, and the node's own data dir lock and port
  # refuse a second instance should anything slip past.
  class Daemon
    Result = Struct.new(:started, :pid, :node, :log, keyword_init: true)

    PROBE_TIMEOUT = 2

    def initialize(port:, data_dir:, bin:, log:, timeout:)
      @port = Integer(port)
      @data_dir = data_dir
      @bin = bin
      @log = log || File.join(data_dir || Dir.tmpdir, "desaster-#{@port}.log")
      @timeout = timeout
      @client = Client.new(url: "tcp://127.0.0.1:#{@port}", timeout: PROBE_TIMEOUT)
    end

    def ensure!
      running = probe
      return running if running

      with_port_lock do
        probe || start
      end
    ensure
      @client.close
    end

    private

    # A Result when a node answers on the port, nil when nothing listens.
    def probe
      return nil unless listening?

      Result.new(started: false, pid: nil, node: @client.hello["node"], log: nil)
    rescue TimeoutError
      raise Error, "something listens on 127.0.0.1:#{@port} but does not answer as a desaster node"
    end

    def listening?
      Socket.tcp("127.0.0.1", @port, connect_timeout: PROBE_TIMEOUT).close
      true
    rescue Errno::ECONNREFUSED, Errno::ETIMEDOUT, Errno::EADDRNOTAVAIL
      false
    end

    def with_port_lock
      File.open(lock_path, File::RDWR | File::CREAT, 0o644) do |file|
        file.flock(File::LOCK_EX)
        yield
      end
    end

    def lock_path
      File.join(Dir.tmpdir, "desaster-#{@port}.lock")
    end

    def start
      FileUtils.mkdir_p(File.dirname(@log))
      argv = [@bin, "-s", "-a", "127.0.0.1", "-p", @port.to_s]
      argv += ["-d", @data_dir] if @data_dir
      # The node takes the group key the clients use (a key set in Ruby
      # rather than in DESASTER_KEY would otherwise not reach it).
      key = Desaster.config.key.to_s
      env = key.empty? ? {} : { "DESASTER_KEY" => key }
      # Its own process group: a Ctrl-C meant for the app leaves the node be.
      pid = Process.spawn(env, *argv, in: File::NULL, out: [@log, "a"], err: [:child, :out], pgroup: true)
      waiter = Process.detach(pid)
      Result.new(started: true, pid: pid, node: await_hello(pid, waiter), log: @log)
    rescue Errno::ENOENT
      raise Error, "cannot start a node: '#{@bin}' not found (set DESASTER_BIN or pass bin:)"
    end

    def await_hello(pid, waiter)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + @timeout
      loop do
        check_alive(waiter)
        begin
          return @client.hello["node"] if listening?
        rescue TimeoutError, ConnectionRefusedError
          nil # bound but not serving yet
        end
        raise TimeoutError, "the node started on port #{@port} (pid #{pid}) did not answer within #{@timeout} s; see #{@log}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

        sleep 0.05 # the node gives no readiness signal but its port: poll it
      end
    end

    def check_alive(waiter)
      return if waiter.join(0).nil?

      tail = File.exist?(@log) ? File.readlines(@log).last(5).join : ""
      raise Error, "the node started on port #{@port} exited at once; #{@log} says:\n#{tail}"
    end
  end

  class << self
    # Makes sure a node answers on 127.0.0.1:port, starting a standalone one
    # (detached, logging to `log`) when none does. Returns a Daemon::Result.
    def ensure_daemon!(port: ENV.fetch("DESASTER_PORT", Configuration::DEFAULT_PORT), data_dir: ENV.fetch("DESASTER_DATA_DIR", nil),
                       bin: ENV.fetch("DESASTER_BIN", "desaster"), log: nil, timeout: 15)
      Daemon.new(port: port, data_dir: data_dir, bin: bin, log: log, timeout: timeout).ensure!
    end
  end
end
