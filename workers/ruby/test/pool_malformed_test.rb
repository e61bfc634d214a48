# frozen_string_literal: true

require_relative "test_helper"
require "fake_node"

# Bad input on either channel gets a clear error and never a crash loop: the
# master ignores what it cannot use, a worker fails the job it names, and
# only a frame whose end cannot be found closes a worker's channel.
class PoolMalformedTest < Minitest::Test
  def setup
    @tmp = Dir.mktmpdir("desaster-pool-malformed")
    @node = FakeNode.new("--require", File.join(APPS_DIR, "jobs.rb"))
    @node.expect("loaded")
  end

  def teardown
    @node.shutdown
    FileUtils.rm_rf(@tmp)
  end

  def frame(bytes)
    [bytes.bytesize].pack("N") + bytes
  end

  def assert_worker_still_serves(worker)
    out = File.join(@tmp, "still")
    assert worker.run("t" => "job", "id" => "ff", "class" => "InstanceJob", "args" => [out, 1])["ok"]
  end

  def test_garbage_on_the_control_socket_is_logged_and_the_master_keeps_serving
    @node.send_control_bytes("\xc1\xff not msgpack".b)
    @node.send_control_bytes(MessagePack.pack([1, 2, 3]))
    @node.control_send({ "t" => "fork-bomb" })
    assert @node.spawn_worker(0)
    assert_match(/control message is not valid msgpack/, @node.log)
    assert_match(/control message is a array, not a map/, @node.log)
    assert_match(/unknown control message type "fork-bomb"/, @node.log)
  end

  def test_a_spawn_without_an_fd_or_slot_is_refused_and_its_fds_closed
    @node.control_send({ "t" => "spawn", "slot" => 0 })
    ours, theirs = UNIXSocket.pair(:STREAM)
    @node.control_send({ "t" => "spawn", "slot" => "zero" }, ios: [theirs])
    theirs.close
    assert @node.spawn_worker(1)
    assert_match(/spawn must carry exactly one fd, not 0/, @node.log)
    assert_match(/spawn field 'slot' must be an integer, not String/, @node.log)
    assert IO.select([ours], nil, nil, 5), "the refused fd was closed by the master"
    assert_equal "", ours.read_nonblock(1, exception: false).to_s
  end

  def test_a_frame_that_is_not_msgpack_is_ignored_and_the_worker_stays
    worker = @node.spawn_worker
    worker.send_raw(frame("\xc1 definitely not msgpack".b))
    worker.send_raw(frame(MessagePack.pack("a string, not a map")))
    assert_worker_still_serves(worker)
    assert_match(/ignored a malformed frame: frame is not valid msgpack/, @node.log)
    assert_match(/ignored a malformed frame: frame holds a string, not a map/, @node.log)
  end

  def test_a_job_with_mistyped_fields_fails_with_a_protocol_error_naming_the_field
    worker = @node.spawn_worker
    done = worker.run("t" => "job", "id" => "10", "class" => "InstanceJob", "args" => "not an array")
    assert_equal "Desaster::Pool::ProtocolError", done["error"]["class"]
    assert_equal "job field 'args' must be an array, not String", done["error"]["message"]
    done = worker.run("t" => "job", "id" => "11", "class" => 42, "args" => [])
    assert_equal "job field 'class' must be a string, not Integer", done["error"]["message"]
    assert_worker_still_serves(worker)
  end

  def test_an_unknown_message_type_with_an_id_is_answered_as_a_failed_job
    worker = @node.spawn_worker
    done = worker.run("t" => "teleport", "id" => "12")
    refute done["ok"]
    assert_match(/unknown message type "teleport"/, done["error"]["message"])
    worker.send("t" => "job", "class" => "InstanceJob", "args" => [])
    assert_worker_still_serves(worker)
    assert_match(/job message without a string field 'id'/, @node.log)
  end

  def test_an_http_message_to_a_pool_without_rack_fails_that_request
    done = @node.spawn_worker.run("t" => "http", "id" => "13", "env" => {}, "body" => "")
    assert_equal "this pool has no Rack application (start it with --rackup)", done["error"]["message"]
  end

  def test_an_oversize_frame_closes_the_channel_and_the_worker_exits_65
    worker = @node.spawn_worker
    worker.send_raw([(16 << 20) + 1].pack("N"))
    assert_nil worker.read
    assert_equal 65, @node.expect("exited")["status"]
    assert_match(/frame of 16777217 bytes is larger than the limit of 16777216/, @node.log)
    assert @node.spawn_worker(0), "the master still spawns after a worker's protocol error"
  end

  def test_a_stream_that_ends_inside_a_frame_is_a_clear_error
    worker = @node.spawn_worker
    worker.send_raw([100].pack("N") + "short")
    worker.socket.close_write
    assert_equal 65, @node.expect("exited")["status"]
    assert_match(/stream ended inside a frame \(5 of 100 bytes\)/, @node.log)
  end
end
