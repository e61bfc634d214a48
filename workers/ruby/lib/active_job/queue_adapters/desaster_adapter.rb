# frozen_string_literal: true

require "desaster/active_job"

module ActiveJob
  module QueueAdapters
    # desaster as ActiveJob's backend:
    #
    #   config.active_job.queue_adapter = :desaster
    #
    # Each job is one desaster `ruby` job of the job's own class (so
    # `desasterctl jobs` names it) whose single argument is `job.serialize`,
    # in the job's queue_name, with its priority (higher runs first, as
    # everywhere in desaster). perform_later returns once the node has the
    # job in its journal, with provider_job_id set to the desaster job id;
    # set(wait:)/set(wait_until:) become scheduled jobs. Retries: see
    # Desaster::ActiveJobSupport. A node that cannot be reached raises
    # Desaster::TimeoutError from perform_later (the job was not enqueued).
    class DesasterAdapter
      # client: a Desaster::Client of its own (default: the process's shared one)
      def initialize(client: nil)
        @client = client
      end

      def enqueue(job)
        push(job, {})
      end

      # timestamp: seconds since the epoch (a Float)
      def enqueue_at(job, timestamp)
        push(job, at: Time.at(timestamp.to_r))
      end

      # Many jobs in one request and one journal write (Rails 7.1's
      # perform_all_later calls this); returns how many were enqueued.
      def enqueue_all(jobs)
        specs = jobs.map do |job|
          timing = job.scheduled_at ? { at: Time.at(job.scheduled_at.to_r) } : {}
          [job.class, [job.serialize], Desaster::ActiveJobSupport.options_for(job).merge(timing)]
        end
        ids = client.enqueue_many(specs)
        jobs.zip(ids).each { |job, id| job.provider_job_id = id }
        ids.count { |id| !id.nil? }
      end

      private

      def push(job, timing)
        # A unique: key held by a live job gives nil: the job was not enqueued.
        options = Desaster::ActiveJobSupport.options_for(job).merge(timing)
        job.provider_job_id = client.enqueue(job.class, job.serialize, **options)
      end

      def client
        @client || Desaster.client
      end
    end
  end
end
