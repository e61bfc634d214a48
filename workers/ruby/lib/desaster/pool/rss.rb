# frozen_string_literal: true

require "etc"

module Desaster
  module Pool
    # The resident set size of this process in KiB, for the node's memory
    # limit. /proc/self/statm is one short line, cheap to read after each job.
    module Rss
      PAGE_KB = Etc.sysconf(Etc::SC_PAGESIZE) / 1024

      module_function

      def kb
        File.read("/proc/self/statm").split[1].to_i * PAGE_KB
      rescue SystemCallError
        0
      end
    end
  end
end
