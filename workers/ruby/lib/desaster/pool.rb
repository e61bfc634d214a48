# frozen_string_literal: true

require "desaster/version"
require "desaster/pool/options"
require "desaster/pool/master"

module Desaster
  # The Ruby pool run by a node: see PROTOCOL.md and bin/desaster-pool.
  module Pool
    def self.logger(name)
      $stderr.sync = true
      ->(text) { $stderr.puts("desaster-pool #{name} [#{Process.pid}]: #{text}") }
    end

    def self.main(argv)
      options = Options.parse(argv)
      Process.setproctitle("desaster-pool #{options.name} master")
      Master.new(options, log: logger(options.name)).run
    rescue OptionParser::ParseError => e
      warn "desaster-pool: #{e.message}"
      warn Options.parser(Options.new(requires: [])).banner
      64 # EX_USAGE
    end
  end
end
