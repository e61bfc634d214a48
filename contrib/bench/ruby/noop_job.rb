# frozen_string_literal: true

# Workload 7 of contrib/bench/compare on desaster: the no-op job class its
# Ruby pool loads (`--require`), and that enqueue_rate.rb enqueues. The same
# shape as the Sidekiq side's NoopJob: one argument, an instance `perform`
# that does nothing (the pool worker calls NoopJob.new.perform(arg), as
# Sidekiq does).
require "desaster"

class NoopJob
  include Desaster::Job

  def perform(_arg); end
end
