# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
$LOAD_PATH.unshift(File.expand_path("support", __dir__))
require "fileutils"
require "minitest/autorun"
require "tmpdir"

# Under ctest (DESASTER_BIN set, every dependency installed by
# contrib/install-deps) a skipped test would be counted as a pass: there a
# skip fails instead, naming what was missing.
if ENV["DESASTER_BIN"]
  module Minitest
    class Test
      def skip(message = nil, _location = nil)
        flunk("skipped under ctest, where nothing may be: #{message}")
      end
    end
  end
end

APPS_DIR = File.expand_path("apps", __dir__)
