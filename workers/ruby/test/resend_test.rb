# frozen_string_literal: true

require_relative "test_helper"
require "node_process"

class UpgradeJob
  include Desaster::Job
end

# The gem resends a request the node closed the connection on (issue 15):
# threads sharing one client enqueue while a real standalone node upgrades
# itself (SIGUSR2, as `desasterctl upgrade`) twice; no call fails, and every
# job is there exactly once. A request parked in the node (a wait) is sent
# again to a node killed and started again, and one the node keeps closing
# the connection on fails with ConnectionLostError after
# Connection::MAX_RESENDS resends.
class ResendTest < Minitest::Test
  THREADS = 8

  def setup
    skip "set DESASTER_BIN to a built desaster to run the resend tests" unless NodeProcess.available?
    @node = NodeProcess.new
    @client = @node.client(timeout: 30)
  end

  def teardown
    @client&.close
    return unless @node

    holder = lock_holder
    if holder && holder != @node.pid
      Process.kill("TERM", holder)
      wait_until(30) { !alive?(holder) }
    end
    @node&.stop
  end

  def test_jobs_enqueued_across_hot_upgrades_exist_exactly_once
    acked = {} # marker -> id
    errors = []
    lock = Mutex.new
    stop = false
    threads = Array.new(THREADS) do |t|
      Thread.new do
        (0..).each do |i|
          break if stop

          marker = "t#{t}-#{i}"
          begin
            id = @client.enqueue(UpgradeJob, marker, queue: "upgrade")
            lock.synchronize { acked[marker] = id }
          rescue Desaster::Error => e
            lock.synchronize { errors << e }
          end
        end
      end
    end
    count = -> { lock.synchronize { acked.size } }
    2.times do
      before = count.call
      assert wait_until(30) { count.call >= before + 100 }, "enqueues did not go on"
      upgrade
    end
    before = count.call
    assert wait_until(30) { count.call >= before + 100 }, "enqueues did not go on after the upgrades"
    stop = true
    threads.each(&:join)

    assert_empty errors.map(&:message).uniq
    jobs = all_jobs
    markers = jobs.map { |job| job.fetch("args").first }
    assert_equal markers.uniq.size, markers.size, "a job was enqueued twice"
    assert_equal acked.keys.sort, markers.sort
    assert_equal acked, jobs.to_h { |job| [job["args"].first, job["id"]] }
    assert_includes @node.log, "serves now"
  end

  def test_a_wait_parked_in_a_killed_node_is_sent_again_to_the_restarted_one
    id = @client.enqueue(UpgradeJob, "parked", queue: "upgrade") # stays queued: no pool runs it
    waiter = Thread.new { @client.wait([id], timeout: 60) }
    park(waiter, resends: 0)
    @node.kill!
    @node.restart
    park(waiter, resends: 1)
    # Only the restarted node holds the wait now: removing the job answers it.
    assert_equal [nil], @client.delete(id)
    assert_equal [nil], waiter.value
  end

  def test_a_call_the_node_keeps_closing_the_connection_on_fails_with_connection_lost
    id = @client.enqueue(UpgradeJob, "parked", queue: "upgrade")
    waiter = Thread.new do
      @client.wait([id], timeout: 60)
    rescue Desaster::Error => e
      e
    end
    Desaster::Connection::MAX_RESENDS.times do |resends|
      park(waiter, resends: resends)
      @node.kill!
      @node.restart
    end
    park(waiter, resends: Desaster::Connection::MAX_RESENDS)
    @node.kill!
    error = waiter.value
    assert_kind_of Desaster::ConnectionLostError, error
    assert_match(/closed the connection 4 times before answering wait/, error.message)
  end

  private

  # Returns once the waiter's wait is on the socket with that many resends
  # and the node has read it: the node reads one connection's requests in
  # order, so a hello sent after it and answered says so.
  def park(waiter, resends:)
    assert wait_until(15) { @client.connection.in_flight.include?(["wait", resends]) || !waiter.alive? },
           "the wait was not sent (again): #{@client.connection.in_flight.inspect}"
    assert waiter.alive?, -> { "the wait ended early: #{waiter.value.inspect}" }
    @client.hello
  end

  # SIGUSR2 to the process holding the data dir; returns once a new one
  # holds it and the old one is gone.
  def upgrade
    old = lock_holder
    Process.kill("USR2", old)
    assert wait_until(30) { (now = lock_holder) && now != old }, "no new process took the data dir"
    if old == @node.pid
      Process.wait(old)
    else
      assert wait_until(30) { !alive?(old) }, "the old process did not exit"
    end
  end

  def all_jobs
    jobs = []
    after = nil
    loop do
      page = @client.list(queue: "upgrade", after: after, limit: 1000)
      jobs.concat(page["jobs"])
      after = page["next"]
      break if after.to_i.zero? # 0: no more pages
    end
    jobs
  end

  def lock_holder
    pid = File.read(File.join(@node.data_dir, "LOCK")).to_i
    pid.positive? ? pid : nil
  rescue Errno::ENOENT
    nil
  end

  def alive?(pid)
    stat = File.read("/proc/#{pid}/stat")
    stat[stat.rindex(")") + 2] != "Z"
  rescue Errno::ENOENT
    false
  end

  def wait_until(seconds)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    until yield
      return false if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.02
    end
    true
  end
end
