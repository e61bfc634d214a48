# frozen_string_literal: true

require "erb"
require "yaml"
require "rails/railtie"

module Desaster
  # Rails configuration, read once at boot: config/desaster.yml (ERB, one
  # section per environment: url, key, timeout, check_at_boot), with
  # DESASTER_URL, DESASTER_KEY and DESASTER_TIMEOUT in the environment winning
  # over the file. An app whose ActiveJob adapter is :desaster asks the node
  # for `hello` once booted and refuses to boot when no node answers (down,
  # elsewhere, or another group key: a node with another key never answers);
  # check_at_boot: false or DESASTER_CHECK_AT_BOOT=0 skips that (asset
  # builds, say). After boot the cron entries job classes declare
  # (desaster_options cron: ...) are registered; register_crons: false or
  # DESASTER_REGISTER_CRONS=0 skips that, and so does skipping the check
  # (a boot that must not ask the node).
  class Railtie < ::Rails::Railtie
    ENV_NAMES = { "url" => "DESASTER_URL", "key" => "DESASTER_KEY", "timeout" => "DESASTER_TIMEOUT" }.freeze

    initializer "desaster.configure", before: :load_config_initializers do |app|
      settings = Railtie.settings(app.root.join("config/desaster.yml"), ::Rails.env)
      Desaster.configure do |c|
        c.url = settings["url"].to_s if settings["url"] && !ENV["DESASTER_URL"]
        c.key = settings["key"].to_s if settings["key"] && !ENV["DESASTER_KEY"]
        c.timeout = Float(settings["timeout"]) if settings["timeout"] && !ENV["DESASTER_TIMEOUT"]
      end
      Railtie.check_at_boot = settings.fetch("check_at_boot", true) != false &&
                              ENV.fetch("DESASTER_CHECK_AT_BOOT", "1") != "0"
      Railtie.register_crons = settings.fetch("register_crons", true) != false &&
                               ENV.fetch("DESASTER_REGISTER_CRONS", "1") != "0"
    end

    config.after_initialize do |app|
      Railtie.check_node! if Railtie.check_at_boot && app.config.active_job.queue_adapter.to_s == "desaster"
      Railtie.register_crons!(app) if Railtie.register_crons && Railtie.check_at_boot
    end

    class << self
      attr_accessor :check_at_boot, :register_crons

      # Like sidekiq-cron's schedule at boot: the job classes under app/jobs
      # are loaded (a development app loads them lazily otherwise) and the
      # cron entries they declare are added or updated. Idempotent, so every
      # booting process may do it; only when some class declares one does
      # it ask the node.
      def register_crons!(app)
        jobs = app.root.join("app/jobs")
        if !app.config.eager_load && jobs.directory?
          loader = ::Rails.autoloaders.main
          loader.respond_to?(:eager_load_dir) ? loader.eager_load_dir(jobs.to_s) : app.eager_load!
        end
        return if Desaster::Job.cron_classes.empty?

        Desaster.register_crons!
      ensure
        Desaster.reset_client!
      end

      # The file's section for this environment ({} without a file).
      def settings(path, env)
        return {} unless File.exist?(path)

        all = YAML.safe_load(ERB.new(File.read(path)).result, aliases: true) || {}
        section = all.is_a?(Hash) ? all.fetch(env.to_s, {}) : nil
        raise Desaster::Error, "#{path}: expected a map of environments, each a map of settings" unless section.is_a?(Hash)

        unknown = section.keys - %w[url key timeout check_at_boot register_crons]
        raise Desaster::Error, "#{path}: unknown settings #{unknown.join(', ')} for #{env}" unless unknown.empty?

        section
      end

      def check_node!
        Desaster.client.hello
      rescue Desaster::TimeoutError, Desaster::ConnectionRefusedError, Desaster::KeyRefusedError => e
        raise Desaster::Error, "ActiveJob's adapter is :desaster, but no desaster node answered at " \
                               "#{Desaster.config.url} within #{Desaster.config.timeout} s " \
                               "(#{e.message}): is the node running " \
                               "there, and is the group key (DESASTER_KEY or config/desaster.yml) the node's? " \
                               "(DESASTER_CHECK_AT_BOOT=0 boots without asking)"
      ensure
        # Forked pool workers and servers open their own connection.
        Desaster.reset_client!
      end
    end
  end
end
