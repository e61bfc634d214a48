# frozen_string_literal: true

# Job classes for the Ruby pool integration tests
# (tests/integration/ruby_pool_test.cpp). Loaded once by the pool master;
# VERSION is read at load time, so a reload after the file changed shows.

APP_VERSION = File.exist?(File.join(__dir__, "VERSION")) ? File.read(File.join(__dir__, "VERSION")).strip : "none"

# Appends a line to a file: proof that the job ran, and where.
class AppendJob
  def self.perform(path, text)
    File.open(path, "a") { |f| f.puts("#{text} #{APP_VERSION} #{Process.pid}") }
  end
end

class RaiseJob
  def self.perform(message)
    raise ArgumentError, message
  end
end

class SleepJob
  def self.perform(seconds)
    sleep(seconds)
  end
end

# Grows the worker past a memory limit and keeps the memory.
class HogJob
  def self.perform(megabytes)
    $hog = "x" * (megabytes * 1024 * 1024)
  end
end

# Kills its own worker the first time it runs (the marker file says so).
class CrashOnceJob
  def self.perform(marker)
    return if File.exist?(marker)

    File.write(marker, Process.pid.to_s)
    Process.kill(:KILL, Process.pid)
  end
end

# An instance-level perform, the Sidekiq way.
class InstanceJob
  def perform(a, b)
    raise "bad sum" unless a + b == 3
  end
end

# Keeps its worker busy on the CPU for the given seconds.
class SpinJob
  def self.perform(seconds)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    x = 0
    x += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
    x
  end
end

# Holds the given megabytes for the given seconds: over a memory limit mid-job.
class HogSleepJob
  def self.perform(megabytes, seconds)
    hog = "x" * (megabytes * 1024 * 1024)
    sleep(seconds)
    hog.size
  end
end
