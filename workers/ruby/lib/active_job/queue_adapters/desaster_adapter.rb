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

      private

      def push(job, timing)
        options = Desaster::ActiveJobSupport.options_for(job).merge(timing)
        client = @client || Desaster.client
        # A unique: key held by a live job gives nil: the job was not enqueued.
        job.provider_job_id = client.enqueue(job.class, job.serialize, **options)
      end
    end
  end
end
