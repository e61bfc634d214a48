# frozen_string_literal: true

require_relative "test_helper"
require "node_process"

# The client fails fast and says why: nothing listening and the wrong key are
# errors within a fraction of a second, a node that does not answer is a
# timeout that says the node was reached.
class FailFastTest < Minitest::Test
  def setup
    skip "set DESASTER_BIN to a built desaster to run the client tests" unless NodeProcess.available?
  end

  # Key derivation (Argon2id) takes a while once per key; it is not what is timed.
  def timed
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    yield
  ensure
    @took = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  end

  def test_nothing_listening_is_a_connection_refused_error_within_a_second
    url = "tcp://127.0.0.1:#{NodeProcess.free_port}"
    Desaster::GroupKeys.for(nil)
    client = Desaster::Client.new(url: url, timeout: 20)
    error = assert_raises(Desaster::ConnectionRefusedError) { timed { client.stats } }
    assert_match(/cannot connect to #{Regexp.escape(url)}: nothing accepts connections there \(connection refused\)/, error.message)
    assert_operator @took, :<, 1.0
  ensure
    client&.close
  end

  def test_the_wrong_key_is_a_key_refused_error_within_a_second
    node = NodeProcess.new
    Desaster::GroupKeys.for("not the group's key")
    client = Desaster::Client.new(url: node.url, timeout: 20, key: "not the group's key")
    error = assert_raises(Desaster::KeyRefusedError) { timed { client.stats } }
    assert_match(/refused this client: .*group key/, error.message)
    assert_operator @took, :<, 1.0
  ensure
    client&.close
    node&.stop
  end

  def test_a_stopped_node_is_a_timeout_that_says_the_node_was_reached
    node = NodeProcess.new
    client = node.client(timeout: 1)
    client.hello
    Process.kill("STOP", node.pid)
    error = assert_raises(Desaster::TimeoutError) { client.stats }
    assert_match(/accepted the connection but did not answer in time/, error.message)
  ensure
    Process.kill("CONT", node.pid) if node
    client&.close
    node&.stop
  end
end
