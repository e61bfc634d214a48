# frozen_string_literal: true

require_relative "test_helper"
require "fake_node"
require "json"

# A Rails application (Debian's ruby-railties and ruby-actionpack) in a pool:
# http jobs through the Rack stack, plain jobs with the app loaded.
class PoolRailsTest < Minitest::Test
  APP = File.join(APPS_DIR, "rails_app")

  def self.rails_installed?
    require "rails"
    true
  rescue LoadError
    false
  end

  # Booting Rails takes seconds: one pool serves every test of this class.
  def self.worker
    @worker ||= begin
      node = FakeNode.new("--dir", APP, "--rackup", "config.ru")
      Minitest.after_run { node.shutdown }
      node.expect("loaded", timeout: 60)
      node.spawn_worker
    end
  end

  def setup
    skip "Rails is not installed (apt install ruby-railties ruby-actionpack)" unless self.class.rails_installed?
    @worker = self.class.worker
  end

  def request(method, path, body: "", headers: {})
    env = { "REQUEST_METHOD" => method, "PATH_INFO" => path, "QUERY_STRING" => "",
            "SERVER_NAME" => "localhost", "SERVER_PORT" => "80", "HTTP_HOST" => "localhost",
            "CONTENT_LENGTH" => body.bytesize.to_s }.merge(headers)
    done = @worker.run("t" => "http", "id" => "00000000000000aa", "env" => env, "body" => body.b)
    assert done["ok"], done.inspect
    done
  end

  def test_a_rails_route_answers_through_the_worker
    done = request("GET", "/hello/pool")
    assert_equal 200, done["status"]
    assert_match(/\AHello pool from Rails 6\.\d+\.\d+\S* \(production\)\z/, done["body"])
    assert_match(%r{\Atext/plain}, done["headers"]["Content-Type"])
  end

  def test_a_json_post_goes_through_params_and_strong_parameters
    body = JSON.generate("item" => { "name" => "anvil", "kg" => 50, "admin" => true })
    done = request("POST", "/items", body: body, headers: { "CONTENT_TYPE" => "application/json" })
    assert_equal 201, done["status"]
    assert_equal({ "created" => { "name" => "anvil", "kg" => 50 }, "type" => "application/json" },
                 JSON.parse(done["body"]))
  end

  def test_a_missing_route_is_404_and_a_raising_action_500_and_the_worker_serves_on
    assert_equal 404, request("GET", "/nowhere")["status"]
    assert_equal 500, request("GET", "/fail")["status"]
    assert_equal 200, request("GET", "/hello/again")["status"]
  end

  def test_a_plain_job_runs_with_the_rails_app_loaded_inside_its_executor
    Dir.mktmpdir do |dir|
      out = File.join(dir, "stamp")
      done = @worker.run("t" => "job", "id" => "00000000000000ab", "class" => "RailsStampJob", "args" => [out])
      assert done["ok"], done.inspect
      assert_equal "RailsApp production executor true", File.read(out), "the job ran inside the Rails executor"
    end
  end
end
