# frozen_string_literal: true

require "msgpack"
require "desaster/errors"

module Desaster
  # Turns `enqueue(JobClass, *args, **options)` into the protocol's enqueue
  # spec. Arguments must be msgpack values (nil, booleans, numbers, strings,
  # arrays, hashes of those; symbols travel as strings).
  module JobSpec
    OPTIONS = %i[queue in at unique priority timeout max_attempts backoff backoff_max kind pin_node pin_pool
                 flow].freeze

    module_function

    def build(job_class, args, options)
      unknown = options.keys - OPTIONS
      raise Desaster::ArgumentError, "unknown enqueue option #{unknown.map(&:inspect).join(', ')} (known: #{OPTIONS.join(', ')})" unless unknown.empty?

      spec = {
        "queue" => (options[:queue] || resque_queue(job_class) || "default").to_s,
        "kind" => (options[:kind] || "ruby").to_s,
        "class" => class_name(job_class),
        "payload" => payload(args)
      }
      spec["unique"] = options[:unique].to_s if options[:unique]
      spec["priority"] = Integer(options[:priority]) if options[:priority]
      spec["in_ms"] = milliseconds(options[:in], :in) if options[:in]
      spec["run_at"] = epoch_ms(options[:at]) if options[:at]
      spec["timeout_ms"] = milliseconds(options[:timeout], :timeout) if options[:timeout]
      spec["max_attempts"] = Integer(options[:max_attempts]) if options[:max_attempts]
      spec["backoff_base_ms"] = milliseconds(options[:backoff], :backoff) if options[:backoff]
      spec["backoff_max_ms"] = milliseconds(options[:backoff_max], :backoff_max) if options[:backoff_max]
      # Leased only to a worker of this node (id, id prefix or host name) / pool.
      spec["pin_node"] = options[:pin_node].to_s if options[:pin_node]
      spec["pin_pool"] = options[:pin_pool].to_s if options[:pin_pool]
      spec["flow"] = options[:flow].to_s if options[:flow]
      spec
    end

    # A Resque job class names its queue in @queue (or a class method
    # `queue`), as Resque.enqueue reads it.
    def resque_queue(job_class)
      return nil unless job_class.is_a?(Module)

      queue = job_class.instance_variable_get(:@queue)
      queue ||= job_class.queue if job_class.respond_to?(:queue) && job_class.method(:queue).arity.zero?
      queue
    end

    def class_name(job_class)
      name = job_class.is_a?(Module) ? job_class.name : job_class.to_s
      raise Desaster::ArgumentError, "a job class needs a name (anonymous classes cannot be found by workers)" if name.nil? || name.empty?

      name
    end

    def payload(args)
      MessagePack.pack(args).b
    rescue NoMethodError, RangeError => e
      raise Desaster::ArgumentError, "job arguments must be msgpack values (nil, true, false, numbers, strings, " \
                                     "arrays, hashes): #{e.message}"
    end

    # Seconds (Integer, Float, or anything with to_f such as ActiveSupport's
    # durations) to whole milliseconds.
    def milliseconds(seconds, name)
      raise Desaster::ArgumentError, "#{name}: expects seconds, not #{seconds.inspect}" unless seconds.respond_to?(:to_f)

      ms = (seconds.to_f * 1000).round
      raise Desaster::ArgumentError, "#{name}: #{seconds.inspect} s is negative" if ms.negative?

      ms
    end

    def epoch_ms(time)
      time = time.to_time if !time.is_a?(Time) && time.respond_to?(:to_time) # Date, DateTime
      raise Desaster::ArgumentError, "at: expects a Time, not #{time.inspect}" unless time.is_a?(Time)

      (time.to_r * 1000).floor
    end
  end
end
