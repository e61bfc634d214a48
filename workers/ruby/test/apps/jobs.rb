# frozen_string_literal: true

# Job classes the pool tests run in real workers.

# Class-level perform: appends its arguments to a file, so the test sees it ran.
class RecordJob
  def self.perform(path, *args)
    File.open(path, "a") { |f| f.puts(MessagePack.pack(args).unpack1("H*")) }
  end
end

# Sidekiq-style: no class-level perform, an instance per run.
class InstanceJob
  def perform(path, value)
    File.write(path, "instance #{value}")
  end
end

class FailingJob
  class Boom < StandardError; end

  def self.perform(text)
    raise Boom, "failed on purpose: #{text}"
  end
end

# Dies the way an out-of-memory kill or a segfault would, mid-job.
class CrashJob
  def self.perform
    Process.kill(:KILL, Process.pid)
  end
end

# Holds the worker until the test is done with it.
class BlockJob
  def self.perform(path)
    File.write(path, Process.pid.to_s)
    sleep
  end
end

# The after_fork hook records the worker's slot; SlotJob reports it.
Desaster.after_fork { |slot| $desaster_test_slot = slot } # rubocop:disable Style/GlobalVars

class SlotJob
  def self.perform(path)
    File.write(path, $desaster_test_slot.to_s) # rubocop:disable Style/GlobalVars
  end
end
