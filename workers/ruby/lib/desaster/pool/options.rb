# frozen_string_literal: true

require "optparse"

module Desaster
  module Pool
    # The pool master's flags (PROTOCOL.md, "Starting a pool master").
    Options = Struct.new(:control_fd, :name, :dir, :requires, :rackup, keyword_init: true) do
      def self.parse(argv)
        options = new(control_fd: nil, name: "pool", dir: nil, requires: [], rackup: nil)
        parser(options).parse!(argv.dup)
        raise OptionParser::MissingArgument, "--control-fd" if options.control_fd.nil?

        options
      end

      def self.parser(options)
        OptionParser.new do |o|
          o.banner = "usage: desaster-pool --control-fd FD [--name NAME] [--dir DIR] " \
                     "[--require FILE]... [--rackup CONFIG_RU]"
          o.on("--control-fd FD", Integer, "the node's SOCK_SEQPACKET control socket") { |v| options.control_fd = v }
          o.on("--name NAME", "the pool's name, for logs and process titles") { |v| options.name = v }
          o.on("--dir DIR", "working directory of the application") { |v| options.dir = v }
          o.on("--require FILE", "a file to load first (repeatable)") { |v| options.requires << v }
          o.on("--rackup FILE", "a Rack config.ru to serve http jobs") { |v| options.rackup = v }
        end
      end
    end
  end
end
