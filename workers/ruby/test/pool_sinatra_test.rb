# frozen_string_literal: true

require_relative "test_helper"
require "fake_node"
require "json"

# A real Sinatra application (Debian's ruby-sinatra) served by a pool master
# started with --rackup, requests sent as the node would send http jobs.
class PoolSinatraTest < Minitest::Test
  def setup
    @node = FakeNode.new("--rackup", "config.ru", "--dir", File.join(APPS_DIR, "sinatra_app"))
    @node.expect("loaded")
    @worker = @node.spawn_worker
    @ids = 0
  end

  def teardown
    @node.shutdown
  end

  def request(method, path, query: "", body: "", headers: {})
    env = { "REQUEST_METHOD" => method, "PATH_INFO" => path, "QUERY_STRING" => query,
            "SERVER_NAME" => "app.example", "SERVER_PORT" => "8080", "HTTP_HOST" => "app.example:8080" }
    done = @worker.run("t" => "http", "id" => format("%016x", @ids += 1), "env" => env.merge(headers), "body" => body.b)
    assert done["ok"], done.inspect
    done
  end

  def test_a_get_with_route_and_query_params_is_answered_by_the_forked_worker
    done = request("GET", "/hello/world", query: "shout=1")
    assert_equal 200, done["status"]
    assert_equal "Hello world from #{@worker.pid}!", done["body"]
    assert_match(%r{\Atext/html}, done["headers"]["Content-Type"])
  end

  def test_a_post_with_a_json_body_creates_and_sets_a_cookie
    body = JSON.generate("name" => "anvil", "kg" => 50)
    done = request("POST", "/items", body: body,
                                     headers: { "CONTENT_TYPE" => "application/json", "CONTENT_LENGTH" => body.bytesize.to_s })
    assert_equal 201, done["status"]
    assert_equal({ "created" => { "name" => "anvil", "kg" => 50 }, "method" => "POST", "type" => "application/json" },
                 JSON.parse(done["body"]))
    assert_match(/\Alast_item=anvil/, done["headers"]["Set-Cookie"])
  end

  def test_a_redirect_keeps_its_location
    done = request("GET", "/old")
    assert_equal 302, done["status"]
    assert_equal "http://app.example:8080/hello/redirected", done["headers"]["Location"]
  end

  def test_an_unknown_path_is_a_404_and_a_raising_route_a_500_from_the_app
    assert_equal 404, request("GET", "/nowhere")["status"]
    failed = request("GET", "/boom")
    assert_equal [500, "sorry: the handler failed"], failed.values_at("status", "body")
    assert_equal 200, request("GET", "/hello/again")["status"], "the worker serves on after an error page"
  end
end
