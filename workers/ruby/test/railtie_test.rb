# frozen_string_literal: true

require_relative "test_helper"
require "node_process"
require "open3"
require "rbconfig"

# A Rails app booting with desaster as its ActiveJob adapter: settings from
# config/desaster.yml (the environment winning), a boot refused with a
# clear error when no node answers (none there, or another group key), and
# the cron entries its job classes declare registered after boot.
class RailtieTest < Minitest::Test
  APP = File.join(APPS_DIR, "active_job_rails")
  LIB = File.expand_path("../lib", __dir__)
  SHOW = 'puts [Desaster.config.url, Desaster.config.key, Desaster.config.timeout, ' \
         'ActiveJob::Base.queue_adapter.class].join(" ")'

  def setup
    begin
      require "rails"
      require "active_job"
    rescue LoadError
      skip "Rails is not installed (apt install ruby-railties ruby-activejob)"
    end
    @env = { "DESASTER_URL" => nil, "DESASTER_KEY" => nil, "DESASTER_TIMEOUT" => nil, "DESASTER_CHECK_AT_BOOT" => nil }
  end

  def teardown
    @node&.stop
  end

  def boot(env = {}, code = SHOW)
    Open3.capture3(@env.merge(env), RbConfig.ruby, "-I", LIB, "-e",
                   "require #{File.join(APP, 'config/environment').inspect}; #{code}")
  end

  def test_settings_come_from_config_desaster_yml
    out, err, status = boot("TEST_NODE_URL" => "tcp://10.9.9.9:1", "DESASTER_CHECK_AT_BOOT" => "0")
    assert status.success?, err
    assert_equal "tcp://10.9.9.9:1 yml-key 0.5 ActiveJob::QueueAdapters::DesasterAdapter", out.strip
  end

  def test_the_environment_wins_over_the_file
    out, err, status = boot("DESASTER_URL" => "tcp://10.8.8.8:2", "DESASTER_KEY" => "env-key",
                            "DESASTER_TIMEOUT" => "3", "DESASTER_CHECK_AT_BOOT" => "0")
    assert status.success?, err
    assert_equal "tcp://10.8.8.8:2 env-key 3.0 ActiveJob::QueueAdapters::DesasterAdapter", out.strip
  end

  def test_boot_fails_clearly_when_no_node_answers
    _out, err, status = boot("DESASTER_URL" => "tcp://127.0.0.1:#{NodeProcess.free_port}")
    refute status.success?
    assert_match(/ActiveJob's adapter is :desaster, but no desaster node answered at tcp:\/\/127\.0\.0\.1:\d+ within 0\.5 s/, err)
    assert_match(/group key/, err)
  end

  def test_boot_succeeds_against_the_node_with_its_key_and_fails_with_another
    skip "set DESASTER_BIN to a built desaster to run the client tests" unless NodeProcess.available?
    @node = NodeProcess.new # the default key
    out, err, status = boot({ "DESASTER_URL" => @node.url, "DESASTER_KEY" => "default" },
                            "class TinyJob < ActiveJob::Base; def perform; end; end; puts TinyJob.perform_later.provider_job_id")
    assert status.success?, err
    client = @node.client
    assert_equal "queued", client.get(out.strip)["state"]
    # app/jobs declares a cron entry: registered after boot, once however
    # many processes boot.
    entry = client.cron_entry("NightlyCleanupJob")
    assert_equal ["15 2 * * *", "Europe/Berlin", "maintenance"], [entry["schedule"], entry["zone"], entry["job"]["queue"]]
    _out, err, status = boot({ "DESASTER_URL" => @node.url, "DESASTER_KEY" => "default" }, "puts Desaster::Job.cron_classes.inspect")
    assert status.success?, err
    assert_equal 1, client.cron_entries.size
    client.close
    _out, err, status = boot("DESASTER_URL" => @node.url) # yml-key: not the node's
    refute status.success?
    assert_match(/no desaster node answered/, err)
  end
end
