# frozen_string_literal: true

require_relative "test_helper"
require "fake_node"
require "json"

# http messages through a pool master started with --rackup.
class PoolRackTest < Minitest::Test
  def setup
    @tmp = Dir.mktmpdir("desaster-pool-rack")
    @node = FakeNode.new("--rackup", File.join(APPS_DIR, "rack_echo/config.ru"))
    @node.expect("loaded")
    @worker = @node.spawn_worker
  end

  def teardown
    @node.shutdown
    FileUtils.rm_rf(@tmp)
  end

  def test_a_rack_env_goes_in_and_status_headers_and_body_come_back_with_the_body_closed
    marker = File.join(@tmp, "closed")
    env = { "REQUEST_METHOD" => "POST", "PATH_INFO" => "/echo", "QUERY_STRING" => "a=1",
            "HTTP_X_TEST" => "yes", "HTTP_X_CLOSED_MARKER" => marker }
    done = @worker.run("t" => "http", "id" => "20", "env" => env, "body" => "payload \x00\xff".b)
    assert done["ok"], done.inspect
    assert_equal 201, done["status"]
    assert_equal({ "content-type" => "application/json", "x-multi" => "a\nb" }, done["headers"])
    assert_equal Encoding::BINARY, done["body"].encoding
    assert_equal({ "method" => "POST", "path" => "/echo", "query" => "a=1", "header" => "yes",
                   "body_hex" => "payload \x00\xff".b.unpack1("H*"), "multiprocess" => true },
                 JSON.parse(done["body"]))
    assert_equal "closed", File.read(marker)
  end

  # The node may send the next request before the current one is done
  # (pipelining): both frames may come in one read; each is answered in order.
  def test_requests_sent_back_to_back_in_one_write_are_answered_in_order
    frames = %w[30 31 32].map do |id|
      bytes = MessagePack.pack("t" => "http", "id" => id, "env" => { "PATH_INFO" => "/echo", "REQUEST_METHOD" => "POST" },
                               "body" => "body #{id}".b)
      [bytes.bytesize].pack("N") + bytes
    end
    @worker.send_raw(frames.join)
    %w[30 31 32].each do |id|
      done = @worker.read
      assert_equal id, done["id"]
      assert_equal "body #{id}".b.unpack1("H*"), JSON.parse(done["body"])["body_hex"]
    end
  end

  def test_an_env_with_nothing_but_a_path_gets_rack_defaults
    done = @worker.run("t" => "http", "id" => "21", "env" => { "PATH_INFO" => "/" }, "body" => "".b)
    assert_equal "GET", JSON.parse(done["body"])["method"]
  end

  def test_a_response_body_too_large_for_a_frame_fails_the_request_and_the_worker_serves_on
    done = @worker.run("t" => "http", "id" => "23", "env" => { "HTTP_X_BIG_BODY" => "17" }, "body" => "")
    refute done["ok"]
    assert_match(/response body is over \d+ bytes, more than one frame carries/, done["error"]["message"])
    assert @worker.run("t" => "http", "id" => "24", "env" => {}, "body" => "")["ok"]
  end

  def test_an_env_that_is_not_a_map_fails_the_request_with_a_protocol_error
    done = @worker.run("t" => "http", "id" => "22", "env" => "GET /", "body" => "")
    assert_equal "http field 'env' must be a map, not String", done["error"]["message"]
  end
end
