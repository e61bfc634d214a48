# frozen_string_literal: true

module Desaster
  module Pool
    # Wraps each plain job the way Rails expects work outside a request to
    # be wrapped (Sidekiq and ActiveJob do the same): the reloader returns
    # database connections to their pool, clears per-unit caches and, in
    # development, reloads changed code. Without Rails, jobs run bare.
    module AppExecutor
      module_function

      def wrap(&block)
        app = rails_application
        app ? app.reloader.wrap(&block) : yield
      end

      def rails_application
        return nil unless defined?(::Rails) && ::Rails.respond_to?(:application)

        app = ::Rails.application
        app if app.respond_to?(:reloader)
      end
    end
  end
end
