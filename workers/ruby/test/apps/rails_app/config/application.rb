# frozen_string_literal: true

# A minimal Rails application (Debian's ruby-railties and ruby-actionpack):
# no database, controllers inline, production settings.
ENV["RAILS_ENV"] ||= "production"
require "rails"
require "action_controller/railtie"
require "logger"

class RailsApp < Rails::Application
  config.root = File.expand_path("..", __dir__)
  config.eager_load = false
  config.secret_key_base = "desaster-test-only-#{'0' * 40}"
  config.logger = Logger.new($stderr, level: :warn)
  config.consider_all_requests_local = false
  config.action_dispatch.show_exceptions = true
end
