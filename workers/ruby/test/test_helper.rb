# frozen_string_literal: true

$LOAD_PATH.unshift(File.expand_path("../lib", __dir__))
$LOAD_PATH.unshift(File.expand_path("support", __dir__))
require "fileutils"
require "minitest/autorun"
require "tmpdir"

APPS_DIR = File.expand_path("apps", __dir__)
