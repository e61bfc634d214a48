# frozen_string_literal: true

require "etc"

module Desaster
  module Pool
    # The resident set size of this process in KiB, for the node's memory
    # limit. /proc/self/statm is one short line; it is read after each job
    # (and each HTTP request) through a descriptor kept open per process,
    # one pread instead of open, read and close (a quarter of the time).
    module Rss
      PAGE_KB = Etc.sysconf(Etc::SC_PAGESIZE) / 1024

      module_function

      def kb
        statm.pread(128, 0).split(" ", 3)[1].to_i * PAGE_KB
      rescue SystemCallError, IOError
        @statm = nil
        0
      end

      # /proc/self resolves when opened: a forked worker opens its own.
      def statm
        return @statm if @statm && @statm_pid == Process.pid

        @statm&.close unless @statm&.closed?
        @statm_pid = Process.pid
        @statm = File.open("/proc/self/statm")
      end
    end
  end
end
