# frozen_string_literal: true

# ActiveJob without Rails, as a gem uses it: ActiveJob and GlobalID alone,
# desaster as the adapter. Loaded by the adapter's tests in-process and by a
# pool master (test/active_job_adapter_test.rb).
require "active_job"
require "globalid"
require "json"
require "desaster/active_job"

GlobalID.app = "desaster-plain"
ActiveJob::Base.queue_adapter = :desaster
ActiveJob::Base.logger = Logger.new(nil)

# A model kept in memory, located by id through its GlobalID.
class Gadget
  include GlobalID::Identification
  attr_reader :id

  def initialize(id)
    @id = id
  end

  def self.find(id)
    new(Integer(id))
  end

  def inspect
    "#<Gadget #{id}>"
  end

  def ==(other)
    other.is_a?(Gadget) && other.id == id
  end
end

# Writes what it received as JSON to the path it is given.
class PlainReportJob < ActiveJob::Base
  queue_as :plain
  queue_with_priority 3

  def perform(path, *args, **kwargs)
    seen = { "args" => args.map { |a| [a.class.name, a.inspect] },
             "kwargs" => kwargs.to_h { |k, v| [k.inspect, [v.class.name, v.inspect]] },
             "provider_job_id" => provider_job_id, "executions" => executions }
    File.write(path, JSON.generate(seen))
  end
end

class PlainRetryJob < ActiveJob::Base
  retry_on IOError, attempts: 2
  desaster_options timeout: 60

  def perform; end
end

class PlainSubRetryJob < PlainRetryJob; end

class PlainDefaultJob < ActiveJob::Base
  desaster_options max_attempts: 4, backoff: 2

  def perform; end
end
