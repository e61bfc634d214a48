# frozen_string_literal: true

require_relative "test_helper"
require "node_process"

class SharedJob
  include Desaster::Job
end

# Many threads share one client's connection (issue 20): each call gets its
# own reply while others are on the socket, and a call parked in the node
# (a wait) holds up nobody else.
class SharedConnectionTest < Minitest::Test
  def setup
    skip "set DESASTER_BIN to a built desaster to run the shared connection tests" unless NodeProcess.available?
    @node = NodeProcess.new
    @client = @node.client(timeout: 10)
  end

  def teardown
    @client&.close
    @node&.stop
  end

  def test_sixteen_threads_each_get_their_own_jobs_id_back
    results = Array.new(16) do |t|
      Thread.new { Array.new(20) { |i| [@client.enqueue(SharedJob, t, i, queue: "shared"), [t, i]] } }
    end.flat_map(&:value)
    assert_equal 320, results.map(&:first).uniq.size
    results.each_slice(50) do |slice|
      jobs = slice.map { |id, _| @client.get(id) }
      assert_equal slice.map(&:last), jobs.map { |job| job["args"] }
    end
  end

  def test_a_parked_wait_does_not_hold_up_the_other_threads_calls
    id = @client.enqueue(SharedJob, "parked", queue: "shared") # stays queued: no pool runs it
    waiter = Thread.new { @client.wait([id], timeout: 5) }
    assert wait_until(5) { !@client.connection.instance_variable_get(:@sent).empty? }
    started = now
    ids = Array.new(4) { |t| Thread.new { @client.enqueue(SharedJob, t, queue: "shared") } }.map(&:value)
    assert_operator now - started, :<, 4, "the enqueues waited for the parked wait"
    assert waiter.alive?, "the wait returned before its timeout"
    assert_equal 4, ids.compact.uniq.size
    assert_equal ["queued"], waiter.value.map { |job| job["state"] }
  end

  def test_calls_beyond_the_window_wait_their_turn_and_all_complete
    count = Desaster::Connection::RESEND_WINDOW * 2
    ids = Array.new(count) { |i| Thread.new { @client.enqueue(SharedJob, i, queue: "shared") } }.map(&:value)
    assert_equal count, ids.compact.uniq.size
    assert_equal count, @client.list(queue: "shared", limit: 1000)["jobs"].size
  end

  def test_a_timed_out_call_leaves_the_others_working
    parked = Desaster::JobId.parse(@client.enqueue(SharedJob, "parked", queue: "shared"))
    error = assert_raises(Desaster::TimeoutError) do
      @client.connection.request("wait", { "ids" => [parked], "timeout_ms" => 3000 }, timeout: 0.3)
    end
    assert_match(/no reply to wait/, error.message)
    assert_match(/\A\h{16}\z/, @client.enqueue(SharedJob, "after", queue: "shared"))
  end

  private

  def now
    Process.clock_gettime(Process::CLOCK_MONOTONIC)
  end

  def wait_until(seconds)
    deadline = now + seconds
    until yield
      return false if now > deadline

      sleep 0.01
    end
    true
  end
end
