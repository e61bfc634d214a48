# frozen_string_literal: true

require "desaster/version"
require "desaster/errors"
require "desaster/configuration"
require "desaster/client"
require "desaster/job"
require "desaster/daemon"
require "desaster/hooks"

# The desaster gem: enqueue jobs from any Ruby process, write job classes,
# and (bin/desaster-pool) run them in a node's Ruby pool.
module Desaster
  @lock = Mutex.new

  class << self
    def config
      @lock.synchronize { @config ||= Configuration.new }
    end

    # Desaster.configure { |c| c.url = "tcp://10.0.0.5:2691"; c.timeout = 2 }
    def configure
      yield config
      reset_client!
      config
    end

    # The process's shared client, opened on first use.
    def client
      @lock.synchronize { @client ||= Client.new(config: @config || Configuration.new) }
    end

    def reset_client!
      old = @lock.synchronize { @client.tap { @client = nil } }
      old&.close
    end

    # Desaster.enqueue(MyJob, 1, "two", queue: "default", in: 30, at: Time,
    #                  unique: key, priority: n, flow: key) -> id (16 hex digits)
    # flow: the fairness key of sfq/htb queues (a customer id, say)
    def enqueue(job_class, *args, **options)
      client.enqueue(job_class, *args, **options)
    end

    def get(id)
      client.get(id)
    end

    # Desaster.cron("nightly", "0 3 * * *", ReportJob, 1, tz: "Europe/Berlin",
    #               missed: :once, overlap: :forbid, queue: "reports") -> the entry
    def cron(name, schedule, job_class, *args, **options)
      client.cron(name, schedule, job_class, *args, **options)
    end

    # Adds or updates the cron entries job classes declare with
    # desaster_options cron: "SCHEDULE" (see Client#register_crons). Rails
    # apps get it after boot from the Railtie (config/desaster.yml
    # register_crons: false turns that off); others call it once at start.
    def register_crons!(classes = Desaster::Job.cron_classes)
      client.register_crons(classes)
    end

    def wait(ids, timeout: 30)
      client.wait(ids, timeout: timeout)
    end

    def stats
      client.stats
    end
  end
end

# With ActiveJob around (a Rails app that requires this gem), the adapter
# loads with ActiveJob::Base, so `config.active_job.queue_adapter =
# :desaster` finds it; plain Ruby requires "desaster/active_job" itself.
if defined?(::ActiveSupport.on_load)
  ActiveSupport.on_load(:active_job) { require "desaster/active_job" }
end
require "desaster/railtie" if defined?(::Rails::Railtie)
