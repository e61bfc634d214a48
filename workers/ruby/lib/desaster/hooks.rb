# frozen_string_literal: true

module Desaster
  @after_fork = []

  class << self
    # Runs in every pool worker right after the fork, before its first job,
    # with the worker's slot: reopen what must not be shared with the master
    # (database connections, sockets, random seeds), as Puma's on_worker_boot.
    #
    #   Desaster.after_fork { |slot| ActiveRecord::Base.establish_connection }
    def after_fork(&block)
      @after_fork << block
    end

    def run_after_fork_hooks(slot)
      @after_fork.each { |hook| hook.call(slot) }
    end
  end
end
