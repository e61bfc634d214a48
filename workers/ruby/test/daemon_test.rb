# frozen_string_literal: true

require_relative "test_helper"
require "json"
require "node_process"
require "rbconfig"

# Desaster.ensure_daemon! against the real binary.
class DaemonTest < Minitest::Test
  RACER = File.expand_path("support/race_ensure_daemon.rb", __dir__)

  def setup
    skip "set DESASTER_BIN to a built desaster to run the daemon tests" unless NodeProcess.available?
    @dir = Dir.mktmpdir("desaster-daemon")
    @port = NodeProcess.free_port
    @data_dir = File.join(@dir, "data")
    @log = File.join(@dir, "node.log")
  end

  def teardown
    node_pids.each do |pid|
      Process.kill("TERM", pid)
    rescue Errno::ESRCH
      nil
    end
    FileUtils.rm_rf(@dir) if @dir
    FileUtils.rm_f(File.join(Dir.tmpdir, "desaster-#{@port}.lock")) if @port
  end

  # desaster processes serving this test's port, found by their command line.
  def node_pids
    Dir.glob("/proc/[0-9]*/cmdline").filter_map do |path|
      argv = File.read(path).split("\0")
      path.split("/")[2].to_i if argv.first == NodeProcess::BIN && argv.each_cons(2).include?(["-p", @port.to_s])
    rescue Errno::ENOENT, Errno::ESRCH, Errno::EACCES
      nil
    end
  end

  def race(count)
    env = { "DESASTER_BIN" => NodeProcess::BIN }
    lib = File.expand_path("../lib", __dir__)
    barrier_r, barrier_w = IO.pipe
    racers = count.times.map do
      out_r, out_w = IO.pipe
      pid = Process.spawn(env, RbConfig.ruby, "-I", lib, RACER, @port.to_s, @data_dir, @log,
                          in: barrier_r, out: out_w)
      out_w.close
      [pid, out_r]
    end
    barrier_r.close
    barrier_w.close # release every racer at once
    racers.map do |pid, out|
      text = out.read
      _, status = Process.wait2(pid)
      assert status.success?, "racer failed: #{text}"
      JSON.parse(text)
    end
  end

  def test_processes_racing_ensure_daemon_start_exactly_one_node
    results = race(3)
    assert_equal 1, results.count { |r| r["started"] }, results.inspect
    assert_equal 1, results.map { |r| r["node"] }.uniq.size, "every racer talks to the same node"
    assert_equal [results.find { |r| r["started"] }["pid"]], node_pids
  end

  def test_a_running_node_is_found_and_not_started_again
    first = Desaster.ensure_daemon!(port: @port, data_dir: @data_dir, log: @log, bin: NodeProcess::BIN)
    second = Desaster.ensure_daemon!(port: @port, data_dir: @data_dir, log: @log, bin: NodeProcess::BIN)
    assert first.started
    refute second.started
    assert_equal first.node, second.node
    assert_equal 1, node_pids.size
  end

  def test_a_node_that_cannot_start_is_reported_with_its_log
    File.write(@data_dir, "a file where the data dir should be")
    error = assert_raises(Desaster::Error) do
      Desaster.ensure_daemon!(port: @port, data_dir: File.join(@data_dir, "sub"), log: @log, bin: NodeProcess::BIN)
    end
    assert_match(/the node started on port #{@port} exited at once/, error.message)
    assert_match(/cannot create directory/, error.message, "the node's own words from its log")
  end

  def test_a_missing_binary_is_a_clear_error
    error = assert_raises(Desaster::Error) do
      Desaster.ensure_daemon!(port: @port, data_dir: @data_dir, log: @log, bin: "/nonexistent/desaster")
    end
    assert_match(%r{'/nonexistent/desaster' not found}, error.message)
  end
end
