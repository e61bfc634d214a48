# frozen_string_literal: true

# The smallest Rails app with desaster as ActiveJob's adapter, for the boot
# checks of test/railtie_test.rb: settings from config/desaster.yml.
ENV["RAILS_ENV"] ||= "production"
require "rails"
require "active_job/railtie"
require "logger"
require "desaster"

class ActiveJobRailsApp < Rails::Application
  config.root = File.expand_path("..", __dir__)
  config.eager_load = false
  config.secret_key_base = "desaster-test-only-#{'0' * 40}"
  config.logger = Logger.new($stderr)
  config.log_level = :warn
  config.active_job.queue_adapter = :desaster
end

Rails.application.initialize!
