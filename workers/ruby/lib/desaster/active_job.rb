# frozen_string_literal: true

require "active_job"
require "desaster"
require "desaster/job_spec"

module Desaster
  # What ActiveJob classes gain once the adapter is loaded: how a job's
  # desaster options are chosen at enqueue, and how a pool worker runs one.
  # (Named ActiveJobSupport, not ActiveJob: inside `module Desaster` the
  # latter would hide ::ActiveJob.)
  #
  # Retries, decided once here: a class that declares `retry_on` (itself or
  # through a superclass) leaves every retry to ActiveJob, so its desaster
  # jobs get max_attempts 1 and an exception that escapes (retry_on
  # exhausted, or one retry_on does not name) fails the job for good. A class
  # without retry_on is retried by desaster as its queue, the node or
  # `desaster_options max_attempts:` say, as Sidekiq retries such a class. No
  # job is ever retried by both.
  module ActiveJobSupport
    # Options an ActiveJob class may set; queue, priority and timing come
    # from ActiveJob itself (queue_as, queue_with_priority, set(wait:)).
    OPTIONS = (JobSpec::OPTIONS - %i[queue in at priority kind]).freeze

    module ClassMethods
      # desaster_options timeout: 600, max_attempts: 5, backoff: 30,
      #                  pin_pool: "app", flow: "tenant-1", unique: "key"
      def desaster_options(options = nil)
        if options
          options = options.transform_keys(&:to_sym)
          unknown = options.keys - OPTIONS
          raise Desaster::ArgumentError, "unknown desaster_options #{unknown.map(&:inspect).join(', ')} for an ActiveJob class (known: #{OPTIONS.join(', ')})" unless unknown.empty?

          self.desaster_options_hash = desaster_options_hash.merge(options)
        end
        desaster_options_hash
      end

      # ActiveJob's retry_on, noted so the class's desaster jobs are not
      # retried by desaster as well.
      def retry_on(*exceptions, **options, &block)
        self.desaster_retries_by_active_job = true
        super
      end

      # A pool worker's entry (Pool::JobRunner): args is [job.serialize].
      def desaster_run(args, id)
        data = args.first
        unless args.size == 1 && data.is_a?(Hash) && data["job_class"].is_a?(String)
          raise Desaster::ArgumentError, "#{name} is an ActiveJob class: enqueue it with perform_later, " \
                                         "not with raw arguments (got #{args.inspect[0, 200]})"
        end

        ::ActiveJob::Base.execute(data.merge("provider_job_id" => id))
      end
    end

    module_function

    # The Desaster.enqueue options of one ActiveJob job (timing aside).
    def options_for(job)
      klass = job.class
      options = klass.desaster_options.dup
      options[:queue] = job.queue_name.to_s
      options[:priority] = Integer(job.priority) unless job.priority.nil?
      options[:max_attempts] = 1 if klass.desaster_retries_by_active_job
      options
    end

    def install(base)
      return if base.respond_to?(:desaster_options_hash) # on_load may call twice

      base.class_attribute :desaster_options_hash, instance_accessor: false, default: {}.freeze
      base.class_attribute :desaster_retries_by_active_job, instance_accessor: false, default: false
      # Prepended to the singleton class, so retry_on's `super` is
      # ActiveJob's own (extend would put ours behind it).
      base.singleton_class.prepend(ClassMethods)
    end
  end
end

ActiveSupport.on_load(:active_job) { Desaster::ActiveJobSupport.install(self) }
require "active_job/queue_adapters/desaster_adapter"
