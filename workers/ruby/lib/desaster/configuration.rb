# frozen_string_literal: true

module Desaster
  # Where the node is and how long to wait for it. Defaults come from the
  # environment: DESASTER_URL (a ZeroMQ endpoint), else DESASTER_PORT on
  # loopback, else tcp://127.0.0.1:2691.
  class Configuration
    DEFAULT_PORT = 2691

    attr_accessor :url, :timeout, :key, :client_name

    def initialize(env = ENV)
      @url = env["DESASTER_URL"] || "tcp://127.0.0.1:#{env.fetch('DESASTER_PORT', DEFAULT_PORT)}"
      @timeout = Float(env.fetch("DESASTER_TIMEOUT", 5))
      # The group key; CURVE security is set up from it in Connection#secure.
      @key = env["DESASTER_KEY"]
      @client_name = "desaster-ruby/#{VERSION} #{File.basename($PROGRAM_NAME)}"
    end
  end
end
