# frozen_string_literal: true

# One racer of DaemonTest: waits at the barrier (its stdin closing), calls
# Desaster.ensure_daemon! and prints the result as JSON.
require "json"
require "desaster"

port, data_dir, log = ARGV
$stdin.read # the barrier: every racer is released at the same moment
result = Desaster.ensure_daemon!(port: port, data_dir: data_dir, log: log)
puts JSON.generate(result.to_h)
