# frozen_string_literal: true

require_relative "lib/desaster/version"

Gem::Specification.new do |s|
  s.name = "desaster"
  s.version = Desaster::VERSION
  s.summary = "Client, job API and Ruby worker pool runtime for the desaster job queue"
  s.authors = ["desaster maintainers"]
  s.license = "GPL-3.0"
  s.required_ruby_version = ">= 3.1"
  s.files = Dir["lib/**/*.rb", "bin/*", "README.md", "PROTOCOL.md"]
  s.bindir = "bin"
  s.executables = ["desaster-pool"]
  s.add_dependency "ffi", ">= 1.12" # libsodium for the group key (group_keys.rb)
  s.add_dependency "ffi-rzmq", "~> 2.0"
  s.add_dependency "msgpack", ">= 1.4"
  s.add_dependency "rack", ">= 2.2"
end
