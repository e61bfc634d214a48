# frozen_string_literal: true

module Desaster
  module Pool
    # Loads the application once in the master, before any fork, so workers
    # share its memory copy-on-write. Returns the Rack app, or nil.
    module AppLoader
      module_function

      def load(options)
        Dir.chdir(options.dir) if options.dir
        $LOAD_PATH.unshift(Dir.pwd) unless $LOAD_PATH.include?(Dir.pwd)
        options.requires.each { |file| require File.expand_path(file) }
        app = rackup(options.rackup) if options.rackup
        # ActiveJob jobs run through the adapter's hooks, whatever adapter
        # the app enqueues with.
        require "desaster/active_job" if defined?(::ActiveJob::Base)
        app
      end

      # Rack 2's parse_file returns [app, options], Rack 3's the app alone.
      def rackup(path)
        require "rack"
        parsed = Rack::Builder.parse_file(File.expand_path(path))
        parsed.is_a?(Array) ? parsed.first : parsed
      end
    end
  end
end
