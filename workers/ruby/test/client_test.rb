# frozen_string_literal: true

require_relative "test_helper"
require "node_process"

class ReportJob
  include Desaster::Job
  desaster_options queue: "reports", priority: 2
end

class DefaultJob
  include Desaster::Job
end

# A job class that declares its cron entry (registered by register_crons!).
class NightlyJob
  include Desaster::Job
  desaster_options queue: "nightly", priority: 3, cron: "0 3 * * *", cron_tz: "Europe/Berlin",
                   cron_args: [1, "x"], cron_missed: :skip
end

# The client against a real node (DESASTER_BIN): what is enqueued reads back
# as sent. Nothing runs ruby jobs here, so they stay queued.
class ClientTest < Minitest::Test
  def setup
    skip "set DESASTER_BIN to a built desaster to run the client tests" unless NodeProcess.available?
    @node = NodeProcess.new
    @client = @node.client
    Desaster.configure { |c| c.url = @node.url }
  end

  def teardown
    Desaster.reset_client!
    @client&.close
    @node&.stop
  end

  def now_ms
    (Time.now.to_r * 1000).floor
  end

  def test_hello_names_the_node_and_protocol_1
    reply = @client.hello
    assert_equal 1, reply["protocol"]
    assert_match(/\A\h+\z/, reply["node"])
  end

  def test_an_enqueued_job_reads_back_with_its_class_queue_and_args
    id = @client.enqueue(DefaultJob, 1, "two", { "three" => [3.5, nil, true] }, queue: "default")
    assert_match(/\A\h{16}\z/, id)
    job = @client.get(id)
    assert_equal id, job["id"]
    assert_equal %w[default ruby DefaultJob queued], job.values_at("queue", "kind", "class", "state")
    assert_equal [1, "two", { "three" => [3.5, nil, true] }], job["args"]
  end

  def test_in_schedules_the_job_that_many_seconds_ahead
    before = now_ms
    job = @client.get(@client.enqueue(DefaultJob, in: 30))
    assert_equal "scheduled", job["state"]
    assert_in_delta before + 30_000, job["run_at"], 2_000
  end

  def test_at_schedules_the_job_at_that_time_to_the_millisecond
    at = Time.at(Time.now.to_i + 3600, 250, :millisecond)
    job = @client.get(@client.enqueue(DefaultJob, at: at))
    assert_equal "scheduled", job["state"]
    assert_equal (at.to_r * 1000).to_i, job["run_at"]
  end

  def test_a_second_job_with_a_live_unique_key_is_not_enqueued_and_gives_nil
    first = @client.enqueue(DefaultJob, 1, unique: "report-42")
    assert first
    assert_nil @client.enqueue(DefaultJob, 2, unique: "report-42")
    assert_equal "report-42", @client.get(first)["unique"]
  end

  def test_a_client_with_another_group_key_is_not_let_in
    stranger = Desaster::Client.new(url: @node.url, key: "another group", timeout: 1)
    error = assert_raises(Desaster::KeyRefusedError) { stranger.hello }
    assert_match(/Is the group key the node's\?/, error.message)
  ensure
    stranger&.close
  end

  def test_priority_timeout_and_retry_options_reach_the_job
    job = @client.get(@client.enqueue(DefaultJob, priority: 7, timeout: 2.5, max_attempts: 3, backoff: 1))
    assert_equal [7, 2500, 3, 1000], job.values_at("priority", "timeout_ms", "max_attempts", "backoff_base_ms")
  end

  def test_pin_options_reach_the_job
    job = @client.get(@client.enqueue(DefaultJob, pin_node: "nowhere", pin_pool: "app"))
    assert_equal %w[nowhere app], job.values_at("pin_node", "pin_pool")
  end

  def test_the_flow_option_reaches_the_job
    job = @client.get(@client.enqueue(DefaultJob, flow: "customer-7"))
    assert_equal "customer-7", job["flow"]
  end

  def test_perform_async_uses_the_class_options
    job = Desaster.get(ReportJob.perform_async("monthly"))
    assert_equal ["reports", 2, ["monthly"], "ReportJob"], job.values_at("queue", "priority", "args", "class")
  end

  def test_perform_in_and_perform_at_schedule_and_set_overrides_the_queue
    assert_equal "scheduled", Desaster.get(ReportJob.perform_in(60, "x"))["state"]
    assert_equal "scheduled", Desaster.get(ReportJob.perform_at(Time.now + 60, "y"))["state"]
    assert_equal "urgent", Desaster.get(ReportJob.set(queue: "urgent").perform_async("z"))["queue"]
  end

  def test_a_ruby_job_stays_queued_while_no_pool_serves_it_and_wait_returns_at_its_timeout
    id = Desaster.enqueue(DefaultJob, 1)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    jobs = Desaster.wait([id], timeout: 0.3)
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :>=, 0.25
    assert_equal ["queued"], jobs.map { |j| j["state"] }
  end

  def test_enqueue_many_sends_one_batch_and_keeps_the_order
    ids = @client.enqueue_many([[DefaultJob, [1]], [ReportJob, [2], { queue: "b" }], [DefaultJob, [3], { unique: "u" }],
                                [DefaultJob, [4], { unique: "u" }]])
    assert_nil ids[3]
    assert_equal [[1], [2], [3]], ids.first(3).map { |id| @client.get(id)["args"] }
  end

  def test_perform_bulk_enqueues_every_argument_list_in_batches
    ids = ReportJob.perform_bulk([["a"], ["b"], ["c"]], batch_size: 2)
    assert_equal [["a"], ["b"], ["c"]], ids.map { |id| Desaster.get(id)["args"] }
    assert_equal ["reports"], ids.map { |id| Desaster.get(id)["queue"] }.uniq
  end

  def test_stats_and_queues_count_the_jobs
    2.times { @client.enqueue(DefaultJob, queue: "counted") }
    assert_operator @client.stats["counts"]["queued"], :>=, 2
    counted = @client.queues.find { |q| q["name"] == "counted" }
    assert_equal 2, counted["counts"]["queued"]
  end

  def test_retry_and_delete_answer_per_id_and_an_unknown_job_is_not_found
    id = @client.enqueue(DefaultJob)
    assert_equal [nil], @client.delete(id)
    error = assert_raises(Desaster::RequestError) { @client.get(id) }
    assert_equal "not_found", error.code
  end

  def test_a_request_the_node_refuses_raises_with_the_nodes_message
    error = assert_raises(Desaster::RequestError) { @client.enqueue(DefaultJob, kind: "telepathy") }
    assert_equal "bad_request", error.code
    assert_match(/kind/, error.message)
  end

  def test_arguments_that_are_not_msgpack_values_are_refused_before_sending
    error = assert_raises(Desaster::ArgumentError) { @client.enqueue(DefaultJob, Object.new) }
    assert_match(/job arguments must be msgpack values/, error.message)
    assert_raises(Desaster::ArgumentError) { @client.enqueue(DefaultJob, queue: "q", delay: 3) }
  end

  def test_a_forked_child_enqueues_over_its_own_connection
    @client.hello
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      writer.write(@client.enqueue(DefaultJob, "from child"))
      exit!(0)
    end
    writer.close
    Process.wait(pid)
    id = reader.read
    assert_equal ["from child"], @client.get(id)["args"]
    assert @client.hello, "the parent's connection still works"
  end

  def test_a_cron_entry_fires_jobs_of_its_class_with_its_args
    entry = Desaster.cron("tick", "@every 1s", ReportJob, 7, "x", missed: :skip, overlap: :allow)
    assert_equal %w[tick @every\ 1s skip allow], entry.values_at("name", "schedule", "missed", "overlap")
    deadline = Time.now + 15
    runs = []
    until Time.now > deadline
      runs = @client.cron_entry("tick").fetch("runs").select { |r| r["kind"] == "fired" }
      break unless runs.empty?

      sleep 0.05
    end
    refute_empty runs, "no fire within 15 s"
    job = @client.get(runs.first["job"])
    assert_equal ["reports", "ReportJob", [7, "x"]], job.values_at("queue", "class", "args")
    assert_equal "cron:tick@#{runs.first['instant']}", job["unique"]
    assert_match(/\A\h{16}\z/, @client.cron_run("tick"))
    @client.cron_pause("tick")
    assert_equal true, @client.cron_entries.first["paused"]
    @client.cron_remove("tick")
    assert_empty @client.cron_entries
    error = assert_raises(Desaster::RequestError) { Desaster.cron("bad", "61 * * * *", ReportJob) }
    assert_match(/minute field '61': out of range 0-59/, error.message)
  end

  def test_a_job_class_declares_its_cron_entry_and_register_crons_is_idempotent
    assert_includes Desaster::Job.cron_classes, NightlyJob
    assert_equal({ queue: "nightly", priority: 3 }, NightlyJob.desaster_options, "cron keys are not enqueue options")
    assert_equal({ "NightlyJob" => :added }, Desaster.register_crons!([NightlyJob]))
    entry = @client.cron_entry("NightlyJob")
    assert_equal ["0 3 * * *", "Europe/Berlin", "skip", false], entry.values_at("schedule", "zone", "missed", "paused")
    assert_equal ["nightly", "NightlyJob", 3], entry["job"].values_at("queue", "class", "priority")
    run = @client.get(@client.cron_run("NightlyJob"))
    assert_equal [1, "x"], run["args"]

    # Every boot registers again: nothing changes, the history stays.
    assert_equal({ "NightlyJob" => :unchanged }, Desaster.register_crons!([NightlyJob]))
    assert_equal 1, @client.cron_entry("NightlyJob")["runs"].size

    # A changed declaration replaces the entry.
    changed = Class.new do
      include Desaster::Job
      def self.name = "NightlyJob"
      desaster_options queue: "nightly", priority: 3, cron: "30 4 * * *", cron_tz: "Europe/Berlin",
                       cron_args: [1, "x"], cron_missed: :skip
    end
    assert_equal({ "NightlyJob" => :replaced }, Desaster.register_crons!([changed]))
    assert_equal "30 4 * * *", @client.cron_entry("NightlyJob")["schedule"]
    assert_equal 1, @client.cron_entries.size

    named = Class.new do
      include Desaster::Job
      def self.name = "SomeJob"
      desaster_options cron: "@hourly", cron_name: "hourly-some"
    end
    assert_equal({ "hourly-some" => :added }, Desaster.register_crons!([named]))
    assert_equal "SomeJob", @client.cron_entry("hourly-some")["job"]["class"]
    error = assert_raises(Desaster::ArgumentError) { named.desaster_options(cron_tz: "UTC") }
    assert_match(/cron: "SCHEDULE" is required/, error.message)
  ensure
    Desaster::Job.cron_classes.delete(changed)
    Desaster::Job.cron_classes.delete(named)
  end
end

# Connection settings and failures that need no node.
class ClientSettingsTest < Minitest::Test
  DEFAULT_SERVER_PUBLIC = "aeb5c6ae83718d463fc5b657f82878ee3e82674770144fbfe1ac2b3d42b8b17b"

  def test_the_url_comes_from_desaster_url_then_desaster_port_then_the_default
    assert_equal "tcp://10.1.2.3:9", Desaster::Configuration.new("DESASTER_URL" => "tcp://10.1.2.3:9").url
    assert_equal "tcp://127.0.0.1:3000", Desaster::Configuration.new("DESASTER_PORT" => "3000").url
    assert_equal "tcp://127.0.0.1:2691", Desaster::Configuration.new({}).url
  end

  # Shorter than the two refused connects that make a ConnectionRefusedError
  # (one reconnect interval, 100 ms, apart): a timeout that says no
  # connection was made. fail_fast_test.rb has the refused and the slow node.
  def test_a_timeout_before_any_connection_says_no_connection_was_made
    port = NodeProcess.free_port
    Desaster::GroupKeys.for(nil)
    client = Desaster::Client.new(url: "tcp://127.0.0.1:#{port}", timeout: 0.05)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    error = assert_raises(Desaster::TimeoutError) { client.hello }
    assert_in_delta 0.05, Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, 0.25
    assert_match(/no connection to tcp:\/\/127.0.0.1:#{port} within 0.05 s/, error.message)
  ensure
    client&.close
  end

  # The same vector as tests/unit/group_keys_test.cpp: Ruby and C++ derive
  # the same keys from the same group key.
  def test_the_default_keys_match_the_nodes_derivation
    keys = Desaster::GroupKeys.for(nil)
    assert_equal DEFAULT_SERVER_PUBLIC, keys.server_public.unpack1("H*")
    assert_same keys, Desaster::GroupKeys.for("default")
    refute_equal keys.server_public, Desaster::GroupKeys.for("another group").server_public
  end

  def test_job_ids_parse_from_hex_or_integer_and_reject_anything_else
    assert_equal 255, Desaster::JobId.parse("00000000000000ff")
    assert_equal 7, Desaster::JobId.parse(7)
    assert_raises(Desaster::ArgumentError) { Desaster::JobId.parse("not-an-id") }
  end
end
