# frozen_string_literal: true

require_relative "test_helper"
require "desaster"

# Sidekiq and Resque job classes moved over with their include alone: what
# their options become in the enqueue spec.
class MigrationTest < Minitest::Test
  class SidekiqStyle
    include Desaster::Job
    sidekiq_options queue: "critical", retry: 3, backtrace: 20, dead: false, tags: ["a"], retry_queue: "r"
  end

  class NoRetry
    include Desaster::Job
    sidekiq_options "retry" => false
  end

  class DefaultRetry < SidekiqStyle
    sidekiq_options retry: true, timeout: 30
  end

  class ResqueStyle
    @queue = :file_serve
    def self.perform(path); end
  end

  class ResqueQueueMethod
    def self.queue = "from_method"
    def self.perform; end
  end

  def spec(klass, options)
    Desaster::JobSpec.build(klass, [1], options)
  end

  def test_sidekiq_options_give_queue_and_max_attempts_and_ignore_what_desaster_has_no_use_for
    assert_equal({ queue: "critical", max_attempts: 4 }, SidekiqStyle.sidekiq_options)
    built = spec(SidekiqStyle, SidekiqStyle.desaster_options)
    assert_equal ["critical", 4], built.values_at("queue", "max_attempts")
  end

  def test_retry_false_is_one_attempt_and_true_the_queue_default
    assert_equal({ max_attempts: 1 }, NoRetry.desaster_options)
    assert_equal({ queue: "critical", max_attempts: 4, timeout: 30 }, DefaultRetry.desaster_options,
                 "retry: true leaves the inherited count, desaster options pass through")
  end

  def test_a_bad_retry_is_refused_at_the_class
    [-1, "3", 2.5].each do |bad|
      assert_raises(Desaster::ArgumentError) { Class.new { include Desaster::Job }.sidekiq_options(retry: bad) }
    end
  end

  def test_resque_classes_keep_their_queue_unless_one_is_given
    assert_equal "file_serve", spec(ResqueStyle, {})["queue"]
    assert_equal "from_method", spec(ResqueQueueMethod, {})["queue"]
    assert_equal "other", spec(ResqueStyle, { queue: "other" })["queue"]
    assert_equal "default", spec(Object, {})["queue"]
  end
end
