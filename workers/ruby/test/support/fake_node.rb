# frozen_string_literal: true

require "msgpack"
require "rbconfig"
require "socket"
require "tmpdir"
require "desaster/pool/frame_io"

# The node's side of PROTOCOL.md, enough to drive a real pool master: it
# starts bin/desaster-pool with a SOCK_SEQPACKET control socket as fd 3,
# sends spawn with a stream socketpair end, and reads both channels with
# timeouts so a broken master fails the test instead of hanging it.
class FakeNode
  GEM_DIR = File.expand_path("../..", __dir__)
  TIMEOUT = 10

  class Timeout < StandardError; end

  # One worker's channel as the node holds it.
  class WorkerChannel
    attr_reader :pid, :socket

    def initialize(socket, pid)
      @socket = socket
      @frames = Desaster::Pool::FrameIO.new(socket)
      @pid = pid
    end

    def send(message)
      @frames.write(message)
    end

    def send_raw(bytes)
      @socket.syswrite(bytes)
    end

    def read(timeout: TIMEOUT)
      unless @frames.buffered? || IO.select([@socket], nil, nil, timeout)
        raise Timeout, "no frame from worker #{@pid} in #{timeout} s"
      end

      @frames.read
    end

    def run(message)
      send(message)
      read
    end
  end

  attr_reader :pid, :log_path

  def initialize(*args, dir: nil)
    @tmp = Dir.mktmpdir("desaster-pool-test")
    @log_path = File.join(@tmp, "pool.log")
    @control, theirs = UNIXSocket.pair(:SEQPACKET)
    argv = [RbConfig.ruby, "-I", File.join(GEM_DIR, "lib"), File.join(GEM_DIR, "bin/desaster-pool"),
            "--control-fd", "3", "--name", "test", *args]
    @pid = Process.spawn(*argv, 3 => theirs, err: @log_path, chdir: dir || GEM_DIR)
    theirs.close
  end

  def control_send(message, ios: [])
    send_control_bytes(MessagePack.pack(message), ios: ios)
  end

  def send_control_bytes(bytes, ios: [])
    controls = ios.empty? ? [] : [Socket::AncillaryData.unix_rights(*ios)]
    @control.sendmsg(bytes, 0, nil, *controls)
  end

  # The next control message, or nil when the master closed its end.
  def control_read(timeout: TIMEOUT)
    raise Timeout, "no control message in #{timeout} s; log: #{log}" unless IO.select([@control], nil, nil, timeout)

    data, = @control.recvmsg(65_536)
    data.nil? || data.empty? ? nil : MessagePack.unpack(data)
  end

  def expect(type, timeout: TIMEOUT)
    message = control_read(timeout: timeout)
    raise "expected #{type}, got #{message.inspect}; log: #{log}" unless message && message["t"] == type

    message
  end

  # Spawns a worker in `slot` and returns its channel once it said ready.
  def spawn_worker(slot = 0)
    ours, theirs = UNIXSocket.pair(:STREAM)
    control_send({ "t" => "spawn", "slot" => slot }, ios: [theirs])
    theirs.close
    spawned = expect("spawned")
    raise "spawned names slot #{spawned['slot']}, not #{slot}" unless spawned["slot"] == slot

    channel = WorkerChannel.new(ours, spawned["pid"])
    ready = channel.read
    raise "expected ready, got #{ready.inspect}" unless ready == { "t" => "ready", "pid" => spawned["pid"] }

    channel
  end

  def close_control
    @control.close unless @control.closed?
  end

  # The master's exit status, waiting at most `timeout` seconds.
  def wait_exit(timeout: TIMEOUT)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      _, status = Process.wait2(@pid, Process::WNOHANG)
      return status if status
      raise Timeout, "pool master #{@pid} still running after #{timeout} s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.01 # polling a child's exit: there is no event to await for waitpid with a deadline
    end
  end

  def log
    File.exist?(@log_path) ? File.read(@log_path) : ""
  end

  def shutdown
    close_control
    begin
      wait_exit(timeout: 5)
    rescue Timeout, Errno::ECHILD
      Process.kill("KILL", @pid) rescue nil # rubocop:disable Style/RescueModifier
      Process.wait(@pid) rescue nil # rubocop:disable Style/RescueModifier
    end
    FileUtils.rm_rf(@tmp)
  end
end
