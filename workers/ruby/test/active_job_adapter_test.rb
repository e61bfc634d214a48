# frozen_string_literal: true

require_relative "test_helper"
require "fake_node"
require "node_process"
require "desaster/pool/job_runner"

begin
  require File.join(APPS_DIR, "active_job_plain")
rescue LoadError
  ACTIVE_JOB_MISSING = true
end

# The ActiveJob adapter without Rails: the options a job is enqueued with,
# arguments through msgpack and back, the job read back from a real node
# (DESASTER_BIN), and a job run by a real pool master.
class ActiveJobAdapterTest < Minitest::Test
  def setup
    skip "ActiveJob is not installed (apt install ruby-activejob ruby-globalid)" if defined?(ACTIVE_JOB_MISSING)
    @tmp = Dir.mktmpdir("desaster-activejob")
  end

  def teardown
    Desaster.reset_client!
    @node&.stop
    @pool&.shutdown
    FileUtils.rm_rf(@tmp) if @tmp
  end

  def sample_job(path)
    PlainReportJob.new(path, :sym, Gadget.new(7), Time.utc(2026, 1, 2, 3, 4, 5.25r), { "h" => [1, nil] },
                       note: "kw", at: Time.at(0).utc, list: %i[a b])
  end

  def expected_report(id)
    { "args" => [["Symbol", ":sym"], ["Gadget", Gadget.new(7).inspect], ["Time", "2026-01-02 03:04:05.25 UTC"],
                 ["Hash", '{"h"=>[1, nil]}']],
      "kwargs" => { ":note" => ["String", '"kw"'], ":at" => ["Time", "1970-01-01 00:00:00 UTC"],
                    ":list" => ["Array", "[:a, :b]"] },
      "provider_job_id" => id, "executions" => 1 }
  end

  def test_queue_adapter_desaster_finds_the_adapter
    assert_instance_of ActiveJob::QueueAdapters::DesasterAdapter, ActiveJob::Base.queue_adapter
    assert_equal "desaster", ActiveJob::Base.queue_adapter_name
  end

  def test_options_come_from_queue_as_queue_with_priority_and_desaster_options
    assert_equal({ queue: "plain", priority: 3 }, Desaster::ActiveJobSupport.options_for(sample_job("x")))
    assert_equal({ max_attempts: 4, backoff: 2, queue: "default" },
                 Desaster::ActiveJobSupport.options_for(PlainDefaultJob.new))
    assert_equal "low", Desaster::ActiveJobSupport.options_for(PlainDefaultJob.new.tap { |j| j.queue_name = "low" })[:queue]
  end

  def test_a_class_with_retry_on_leaves_retries_to_active_job_with_one_attempt
    assert_equal({ timeout: 60, queue: "default", max_attempts: 1 },
                 Desaster::ActiveJobSupport.options_for(PlainRetryJob.new))
    assert PlainSubRetryJob.desaster_retries_by_active_job, "a subclass inherits retry_on"
    refute PlainDefaultJob.desaster_retries_by_active_job
    refute ActiveJob::Base.desaster_retries_by_active_job
  end

  def test_desaster_options_refuses_what_active_job_itself_sets
    error = assert_raises(Desaster::ArgumentError) { Class.new(ActiveJob::Base).desaster_options(queue: "x") }
    assert_match(/unknown desaster_options :queue/, error.message)
    assert_raises(Desaster::ArgumentError) { Class.new(ActiveJob::Base).desaster_options(in: 3) }
  end

  def test_arguments_round_trip_through_msgpack_into_perform
    out = File.join(@tmp, "seen.json")
    args = MessagePack.unpack(MessagePack.pack([sample_job(out).serialize]))
    Desaster::Pool::JobRunner.run("class" => "PlainReportJob", "args" => args, "id" => "00000000000000ab")
    assert_equal expected_report("00000000000000ab"), JSON.parse(File.read(out))
  end

  def test_raw_arguments_to_an_active_job_class_are_refused
    error = assert_raises(Desaster::ArgumentError) do
      Desaster::Pool::JobRunner.run("class" => "PlainReportJob", "args" => [1, 2], "id" => "00000000000000ab")
    end
    assert_match(/enqueue it with perform_later/, error.message)
  end

  def test_a_pool_master_runs_an_active_job_job
    @pool = FakeNode.new("--require", File.join(APPS_DIR, "active_job_plain.rb"))
    @pool.expect("loaded", timeout: 30)
    worker = @pool.spawn_worker
    out = File.join(@tmp, "pool.json")
    args = MessagePack.unpack(MessagePack.pack([sample_job(out).serialize]))
    done = worker.run("t" => "job", "id" => "00000000000000cd", "class" => "PlainReportJob", "args" => args)
    assert done["ok"], done.inspect
    assert_equal expected_report("00000000000000cd"), JSON.parse(File.read(out))
  end

  def test_an_exception_in_an_active_job_job_reaches_the_pool_with_its_backtrace
    @pool = FakeNode.new("--require", File.join(APPS_DIR, "active_job_plain.rb"))
    @pool.expect("loaded", timeout: 30)
    worker = @pool.spawn_worker
    args = MessagePack.unpack(MessagePack.pack([sample_job(@tmp).serialize])) # a directory: write fails
    done = worker.run("t" => "job", "id" => "00000000000000ce", "class" => "PlainReportJob", "args" => args)
    refute done["ok"]
    assert_equal "Errno::EISDIR", done["error"]["class"]
    assert(done["error"]["backtrace"].any? { |line| line.include?("active_job_plain.rb") && line.include?("perform") },
           done["error"]["backtrace"].inspect)
  end

  # Against a real node.
  def start_node
    skip "set DESASTER_BIN to a built desaster to run the client tests" unless NodeProcess.available?
    @node = NodeProcess.new
    Desaster.configure { |c| c.url = @node.url }
    @node.client
  end

  def test_perform_later_is_in_the_node_when_it_returns_with_provider_job_id_its_id
    client = start_node
    out = File.join(@tmp, "seen.json")
    job = sample_job(out)
    assert_same job, job.enqueue
    id = job.provider_job_id
    assert_match(/\A\h{16}\z/, id)
    stored = client.get(id)
    assert_equal %w[PlainReportJob plain ruby queued], stored.values_at("class", "queue", "kind", "state")
    assert_equal 3, stored["priority"]
    assert_equal 1, stored["args"].size
    assert_equal job.job_id, stored["args"][0]["job_id"]
    # What a pool worker gets: the stored payload, run as the pool does.
    Desaster::Pool::JobRunner.run("class" => stored["class"], "args" => stored["args"], "id" => id)
    assert_equal expected_report(id), JSON.parse(File.read(out))
  ensure
    client&.close
  end

  def test_set_wait_and_wait_until_schedule_the_job
    client = start_node
    before = (Time.now.to_r * 1000).floor
    waiting = PlainDefaultJob.set(wait: 30).perform_later
    stored = client.get(waiting.provider_job_id)
    assert_equal "scheduled", stored["state"]
    assert_in_delta before + 30_000, stored["run_at"], 2_000
    at = Time.at(Time.now.to_i + 3600, 125, :millisecond)
    stored = client.get(PlainDefaultJob.set(wait_until: at).perform_later.provider_job_id)
    assert_equal (at.to_r * 1000).floor, stored["run_at"]
    assert_equal [4, 2000], stored.values_at("max_attempts", "backoff_base_ms")
  ensure
    client&.close
  end

  def test_set_queue_and_priority_and_retry_on_reach_the_node
    client = start_node
    stored = client.get(PlainRetryJob.set(queue: "urgent", priority: -2).perform_later.provider_job_id)
    assert_equal ["urgent", -2, 1, 60_000], stored.values_at("queue", "priority", "max_attempts", "timeout_ms")
  ensure
    client&.close
  end

  def test_enqueue_all_sends_every_job_in_one_request
    client = start_node
    later = Time.at(Time.now.to_i + 600)
    jobs = [PlainDefaultJob.new, PlainRetryJob.new.tap { |j| j.scheduled_at = later.to_f }]
    assert_equal 2, ActiveJob::Base.queue_adapter.enqueue_all(jobs)
    first, second = jobs.map { |j| client.get(j.provider_job_id) }
    assert_equal %w[PlainDefaultJob queued], first.values_at("class", "state")
    assert_equal ["PlainRetryJob", "scheduled", (later.to_r * 1000).floor, 1],
                 second.values_at("class", "state", "run_at", "max_attempts")
  ensure
    client&.close
  end

  def test_perform_later_without_a_node_raises_and_enqueues_nothing
    Desaster.configure do |c|
      c.url = "tcp://127.0.0.1:#{NodeProcess.free_port}"
      c.timeout = 0.3
    end
    job = PlainDefaultJob.new
    # Nothing listens there: refused at once (a dropped packet would time out).
    assert_raises(Desaster::ConnectionRefusedError, Desaster::TimeoutError) { job.enqueue }
    assert_nil job.provider_job_id
  end
end
