# frozen_string_literal: true

require_relative "test_helper"
require "fake_node"

# The pool master driven through real sockets by a fake node.
class PoolMasterTest < Minitest::Test
  def setup
    @tmp = Dir.mktmpdir("desaster-pool-master")
  end

  def teardown
    @node&.shutdown
    FileUtils.rm_rf(@tmp)
  end

  def start(*args)
    @node = FakeNode.new(*args)
  end

  def start_with_jobs
    start("--require", File.join(APPS_DIR, "jobs.rb"))
    @node.expect("loaded")
  end

  def test_loaded_names_the_master_pid
    start
    assert_equal({ "t" => "loaded", "pid" => @node.pid }, @node.control_read)
  end

  def test_a_load_error_is_reported_and_the_master_exits_1
    broken = File.join(@tmp, "broken.rb")
    File.write(broken, "raise ArgumentError, 'no database configured'\n")
    start("--require", broken)
    failed = @node.expect("load_failed")
    assert_equal "ArgumentError", failed["error"]["class"]
    assert_equal "no database configured", failed["error"]["message"]
    assert_match(/broken\.rb:1/, failed["error"]["backtrace"].first)
    assert_equal 1, @node.wait_exit.exitstatus
  end

  def test_a_huge_exception_message_is_cut_to_fit_one_control_message
    broken = File.join(@tmp, "huge.rb")
    File.write(broken, "raise 'x' * 2_000_000\n")
    start("--require", broken)
    message = @node.expect("load_failed")["error"]["message"]
    assert_match(/\Ax{16384}\.\.\. \(2000000 bytes\)\z/, message)
  end

  def test_a_syntax_error_in_the_app_is_a_load_failure
    broken = File.join(@tmp, "syntax.rb")
    File.write(broken, "def oops(\n")
    start("--require", broken)
    assert_equal "SyntaxError", @node.expect("load_failed")["error"]["class"]
  end

  def test_bad_flags_exit_64_with_the_usage
    start("--no-such-flag")
    assert_equal 64, @node.wait_exit.exitstatus
    assert_match(/invalid option: --no-such-flag/, @node.log)
  end

  def test_the_dir_flag_sets_the_working_directory_before_loading
    File.write(File.join(@tmp, "app.rb"), "File.write('loaded-here', Dir.pwd)\n")
    start("--dir", @tmp, "--require", "app.rb")
    @node.expect("loaded")
    assert_equal File.realpath(@tmp), File.read(File.join(@tmp, "loaded-here"))
  end

  def test_a_spawned_worker_is_a_child_that_says_ready_with_its_pid
    start_with_jobs
    worker = @node.spawn_worker(3)
    refute_equal @node.pid, worker.pid
    assert_equal @node.pid, File.read("/proc/#{worker.pid}/stat").split[3].to_i
  end

  def test_a_job_runs_and_done_reports_success_and_rss
    start_with_jobs
    worker = @node.spawn_worker
    out = File.join(@tmp, "out")
    done = worker.run("t" => "job", "id" => "00000000000000a1", "class" => "RecordJob",
                      "args" => [out, 1, "two", { "k" => [nil, true] }], "attempt" => 1, "queue" => "default")
    assert_equal({ "t" => "done", "id" => "00000000000000a1", "ok" => true }, done.except("rss_kb"))
    assert_operator done["rss_kb"], :>, 1000
    assert_equal [1, "two", { "k" => [nil, true] }], MessagePack.unpack([File.read(out).strip].pack("H*"))
  end

  def test_a_class_without_class_level_perform_runs_on_a_new_instance
    start_with_jobs
    worker = @node.spawn_worker
    out = File.join(@tmp, "instance")
    assert worker.run("t" => "job", "id" => "1", "class" => "InstanceJob", "args" => [out, 7])["ok"]
    assert_equal "instance 7", File.read(out)
  end

  def test_a_raising_job_reports_class_message_and_backtrace_and_the_worker_goes_on
    start_with_jobs
    worker = @node.spawn_worker
    done = worker.run("t" => "job", "id" => "2", "class" => "FailingJob", "args" => ["x"])
    refute done["ok"]
    assert_equal "FailingJob::Boom", done["error"]["class"]
    assert_equal "failed on purpose: x", done["error"]["message"]
    assert_match(/jobs\.rb:\d+:in `perform'/, done["error"]["backtrace"].first)
    assert worker.run("t" => "job", "id" => "3", "class" => "InstanceJob", "args" => [File.join(@tmp, "i"), 1])["ok"]
  end

  def test_an_unknown_job_class_fails_the_job_with_a_name_error
    start_with_jobs
    done = @node.spawn_worker.run("t" => "job", "id" => "4", "class" => "NoSuchJob", "args" => [])
    assert_equal "NameError", done["error"]["class"]
    assert_match(/job class NoSuchJob is not defined in this pool/, done["error"]["message"])
  end

  def test_a_worker_killed_mid_job_closes_its_channel_and_is_reported_exited_by_signal
    start_with_jobs
    worker = @node.spawn_worker(1)
    worker.send("t" => "job", "id" => "5", "class" => "CrashJob", "args" => [])
    assert_nil worker.read
    assert_equal({ "t" => "exited", "pid" => worker.pid, "status" => nil, "signal" => 9 }, @node.expect("exited"))
    # The master goes on: the node restarts the slot.
    refute_equal worker.pid, @node.spawn_worker(1).pid
  end

  def test_a_refused_fork_closes_the_workers_channel_and_the_master_serves_on
    start("--require", File.join(APPS_DIR, "no_fork.rb"))
    @node.expect("loaded")
    ours, theirs = UNIXSocket.pair(:STREAM)
    @node.control_send({ "t" => "spawn", "slot" => 4 }, ios: [theirs])
    theirs.close
    assert IO.select([ours], nil, nil, FakeNode::TIMEOUT), "the channel closes"
    assert_nil ours.read_nonblock(1, exception: false)
    assert_match(/cannot fork a worker for slot 4: Resource temporarily unavailable - fork refused by the test/, @node.log)
    @node.control_send({ "t" => "stop" })
    assert_equal 0, @node.wait_exit.exitstatus
  end

  def test_after_fork_hooks_run_in_each_worker_with_its_slot
    start_with_jobs
    out = File.join(@tmp, "slot")
    assert @node.spawn_worker(5).run("t" => "job", "id" => "7", "class" => "SlotJob", "args" => [out])["ok"]
    assert_equal "5", File.read(out)
  end

  def test_a_raising_after_fork_hook_ends_the_worker_with_status_70_and_the_error_logged
    start("--require", File.join(APPS_DIR, "bad_after_fork.rb"))
    @node.expect("loaded")
    ours, theirs = UNIXSocket.pair(:STREAM)
    @node.control_send({ "t" => "spawn", "slot" => 2 }, ios: [theirs])
    theirs.close
    @node.expect("spawned")
    assert_equal 70, @node.expect("exited")["status"]
    assert_match(/worker 2: after_fork hook failed: IOError: database unreachable/, @node.log)
    assert_nil ours.read_nonblock(1, exception: false)
  end

  def test_stop_ends_an_idle_worker_with_status_0
    start_with_jobs
    worker = @node.spawn_worker
    worker.send("t" => "stop")
    assert_nil worker.read
    assert_equal({ "t" => "exited", "pid" => worker.pid, "status" => 0, "signal" => nil }, @node.expect("exited"))
  end

  def test_stop_to_the_master_waits_for_its_workers_then_exits_0
    start_with_jobs
    workers = [@node.spawn_worker(0), @node.spawn_worker(1)]
    @node.control_send({ "t" => "stop" })
    workers.each { |w| w.send("t" => "stop") }
    exited = 2.times.map { @node.expect("exited")["pid"] }
    assert_equal workers.map(&:pid).sort, exited.sort
    assert_equal 0, @node.wait_exit.exitstatus
  end

  def test_the_master_exits_and_stops_its_workers_when_the_node_goes_away
    start_with_jobs
    worker = @node.spawn_worker
    marker = File.join(@tmp, "blocked")
    worker.send("t" => "job", "id" => "6", "class" => "BlockJob", "args" => [marker])
    Thread.pass until File.exist?(marker) && !File.read(marker).empty?
    @node.close_control
    assert_equal 0, @node.wait_exit.exitstatus
    assert_nil worker.read, "the worker's channel closes when it was stopped"
  end
end
