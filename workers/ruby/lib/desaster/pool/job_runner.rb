# frozen_string_literal: true

module Desaster
  module Pool
    # The node sent a message the worker cannot use; reported as the job's
    # error so the mistake is visible where the job is.
    class ProtocolError < StandardError; end

    # Runs one `job` message: C.perform(*args), or C.new.perform(*args) when
    # the class has no class-level perform (Sidekiq-style job classes). A
    # class that answers `desaster_run(args, id)` runs the job itself with
    # its desaster id (ActiveJob classes: desaster/active_job.rb).
    module JobRunner
      module_function

      def run(message)
        job_class = resolve(message["class"])
        args = message["args"]
        raise ProtocolError, "job field 'args' must be an array, not #{args.class}" unless args.is_a?(Array)

        if job_class.respond_to?(:desaster_run)
          job_class.desaster_run(args, message["id"])
        elsif job_class.respond_to?(:perform)
          job_class.perform(*args)
        else
          job_class.new.perform(*args)
        end
      end

      def resolve(name)
        raise ProtocolError, "job field 'class' must be a string, not #{name.class}" unless name.is_a?(String)

        klass = Object.const_get(name)
        raise ProtocolError, "job class #{name} is a #{klass.class}, not a class" unless klass.is_a?(Module)

        klass
      rescue NameError => e
        raise NameError, "job class #{name} is not defined in this pool (#{e.message})"
      end
    end
  end
end
