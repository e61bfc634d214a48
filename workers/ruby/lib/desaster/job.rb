# frozen_string_literal: true

module Desaster
  # Sidekiq-style job classes:
  #
  #   class HardJob
  #     include Desaster::Job
  #     desaster_options queue: "critical", max_attempts: 3
  #     def perform(name, count) ... end
  #   end
  #   HardJob.perform_async("bob", 5)
  #   HardJob.perform_in(300, "bob", 5)      # seconds, or an ActiveSupport duration
  #   HardJob.perform_at(Time.now + 3600, "bob", 5)
  #   HardJob.perform_bulk([["bob", 5], ["ann", 6]])  # one request
  #
  #   class ReportJob
  #     include Desaster::Job
  #     desaster_options queue: "reports", cron: "0 3 * * *", cron_tz: "Europe/Berlin"
  #   end
  #   Desaster.register_crons!   # at boot (the Railtie does it in Rails)
  #
  # The workers run HardJob.new.perform(*args).
  module Job
    def self.included(base)
      base.extend(ClassMethods)
    end

    # The options of desaster_options that declare a cron entry rather than
    # an enqueue default: cron: "SCHEDULE" (required), cron_name: (the class
    # name by default), cron_args: [perform's arguments], cron_tz:,
    # cron_missed:, cron_overlap:, cron_starting_deadline: (Desaster.cron's
    # tz: missed: overlap: starting_deadline:).
    CRON_KEYS = %i[cron cron_name cron_args cron_tz cron_missed cron_overlap cron_starting_deadline].freeze

    @cron_classes = []
    class << self
      # The classes that declared a cron entry, in declaration order.
      attr_reader :cron_classes
    end

    module ClassMethods
      # Enqueue defaults for this class (any Desaster.enqueue option), and
      # its cron entry (CRON_KEYS; registered by Desaster.register_crons!).
      def desaster_options(options = nil)
        if options
          options = options.transform_keys(&:to_sym)
          cron = options.slice(*CRON_KEYS)
          desaster_cron(cron) unless cron.empty?
          @desaster_options = desaster_options.merge(options.reject { |key, _| CRON_KEYS.include?(key) })
        end
        @desaster_options ||= superclass.respond_to?(:desaster_options) ? superclass.desaster_options.dup : {}
      end

      # This class's cron entry: {name:, schedule:, args:, options:} or nil.
      def desaster_cron(declared = nil)
        if declared
          raise Desaster::ArgumentError, "desaster_options: cron: \"SCHEDULE\" is required with #{declared.keys.join(', ')}" unless declared[:cron]

          options = { tz: declared[:cron_tz], missed: declared[:cron_missed], overlap: declared[:cron_overlap],
                      starting_deadline: declared[:cron_starting_deadline] }.compact
          @desaster_cron = { name: (declared[:cron_name] || name).to_s, schedule: declared[:cron].to_s,
                             args: Array(declared[:cron_args]), options: options }
          Desaster::Job.cron_classes << self unless Desaster::Job.cron_classes.include?(self)
        end
        @desaster_cron
      end

      # Sidekiq's spelling, so a Sidekiq job class runs with only its
      # `include` changed: queue is desaster's queue, retry: N (retries after
      # the first attempt) is max_attempts N + 1, retry: false one attempt,
      # retry: true keeps what was set (else the queue's default).
      # backtrace, dead, tags and retry_queue have no desaster meaning and
      # are ignored (desaster keeps every backtrace); desaster's own options
      # pass through.
      SIDEKIQ_IGNORED = %i[backtrace dead tags retry_queue].freeze

      def sidekiq_options(options = nil)
        return desaster_options unless options

        translated = {}
        options.transform_keys(&:to_sym).each do |key, value|
          case key
          when :retry
            attempts = sidekiq_retry_attempts(value)
            translated[:max_attempts] = attempts if attempts
          when *SIDEKIQ_IGNORED then nil
          else translated[key] = value
          end
        end
        desaster_options(translated)
      end

      def perform_async(*args)
        Desaster.enqueue(self, *args, **desaster_options)
      end

      def perform_in(seconds, *args)
        Desaster.enqueue(self, *args, **desaster_options, in: seconds)
      end

      def perform_at(time, *args)
        Desaster.enqueue(self, *args, **desaster_options, at: time)
      end

      # Many jobs in one request and one journal write, as Sidekiq's
      # perform_bulk: HardJob.perform_bulk([[1, "a"], [2, "b"]]) -> ids.
      def perform_bulk(args_list, batch_size: 1000)
        args_list.each_slice(batch_size).flat_map do |slice|
          Desaster.client.enqueue_many(slice.map { |args| [self, Array(args), desaster_options] })
        end
      end

      private def sidekiq_retry_attempts(value)
        return 1 if value == false
        return nil if value == true || value.nil?
        return value + 1 if value.is_a?(Integer) && !value.negative?

        raise Desaster::ArgumentError, "sidekiq_options retry: expects true, false or a count >= 0, not #{value.inspect}"
      end

      # One-off options: HardJob.set(queue: "low").perform_async(1)
      def set(options)
        Setter.new(self, desaster_options.merge(options))
      end
    end

    Setter = Struct.new(:job_class, :options) do
      def perform_async(*args)
        Desaster.enqueue(job_class, *args, **options)
      end

      def perform_in(seconds, *args)
        Desaster.enqueue(job_class, *args, **options, in: seconds)
      end

      def perform_at(time, *args)
        Desaster.enqueue(job_class, *args, **options, at: time)
      end
    end
  end
end
