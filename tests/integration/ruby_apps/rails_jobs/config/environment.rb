# frozen_string_literal: true

# A tiny Rails 6.1 app (Debian's ruby-railties, ruby-activejob,
# ruby-actionmailer) whose jobs go through desaster's ActiveJob adapter, for
# tests/integration/activejob_test.cpp. No database: Widget is an in-memory
# model with a GlobalID. Jobs report what they received under out/ (the test
# copies the app into a directory of its own).
ENV["RAILS_ENV"] ||= "production"
require "rails"
require "active_job/railtie"
require "action_mailer/railtie"
require "logger"
require "fileutils"
require "desaster"

class RailsJobsApp < Rails::Application
  config.load_defaults 6.1
  config.root = File.expand_path("..", __dir__)
  config.eager_load = false
  config.secret_key_base = "desaster-test-only-#{'0' * 40}"
  config.logger = Logger.new($stderr)
  config.log_level = :warn
  config.active_job.queue_adapter = :desaster
  config.action_mailer.delivery_method = :test
  config.time_zone = "Berlin"
end

OUT = File.expand_path("../out", __dir__)
FileUtils.mkdir_p(OUT)

def report(name, line)
  File.open(File.join(OUT, name), "a") { |f| f.puts(line) }
end

# An in-memory model: found by id, so a GlobalID locates it in any process.
class Widget
  include GlobalID::Identification
  attr_reader :id, :name

  def initialize(id, name)
    @id = id
    @name = name
  end

  def self.find(id)
    ALL.fetch(id.to_s) { raise KeyError, "no widget #{id}" }
  end

  def inspect
    "#<Widget id=#{id} name=#{name}>"
  end

  ALL = { "7" => new(7, "anvil") }.freeze
end

class ApplicationJob < ActiveJob::Base
end

# Writes each argument's class and value, and what the job knows of itself.
class EchoJob < ApplicationJob
  queue_as :echo
  queue_with_priority 5

  def perform(*args, **kwargs)
    lines = args.each_with_index.map { |a, i| "arg#{i} #{type(a)} #{describe(a)}" }
    lines += kwargs.map { |k, v| "kw #{k.inspect} #{type(v)} #{describe(v)}" }
    lines << "provider_job_id #{provider_job_id}"
    lines << "queue #{queue_name} priority #{priority}"
    report("echo", lines.join("\n"))
  end

  # TimeWithZone calls itself Time (TimeWithZone.name); === tells them apart.
  def type(value)
    ActiveSupport::TimeWithZone === value ? "ActiveSupport::TimeWithZone" : value.class.name
  end

  def describe(value)
    value.respond_to?(:iso8601) ? value.iso8601(6) : value.inspect
  end
end

# Notes when it ran, in epoch milliseconds.
class LaterJob < ApplicationJob
  def perform(tag)
    report("later", "#{tag} #{(Time.now.to_r * 1000).floor} #{provider_job_id}")
  end
end

class FlakyError < StandardError; end

# Fails its first two executions; retry_on re-enqueues it each time.
class FlakyJob < ApplicationJob
  retry_on FlakyError, wait: 0.2.seconds, attempts: 3

  def perform
    report("flaky", "#{executions} #{provider_job_id}")
    raise FlakyError, "execution #{executions}" if executions < 3
  end
end

# Always fails: retry_on gives up after two executions and raises.
class ExhaustedJob < ApplicationJob
  retry_on FlakyError, wait: 0.2.seconds, attempts: 2

  def perform
    report("exhausted", "#{executions} #{provider_job_id}")
    raise FlakyError, "still failing at execution #{executions}"
  end
end

class DiscardError < StandardError; end

class DiscardJob < ApplicationJob
  discard_on(DiscardError) { |job, error| report("discarded", "#{job.provider_job_id} #{error.message}") }

  def perform
    raise DiscardError, "not worth retrying"
  end
end

# No retry_on: desaster retries it, as its desaster_options say.
class BrokenJob < ApplicationJob
  desaster_options max_attempts: 2, backoff: 0.1

  def perform(what)
    report("broken", provider_job_id)
    raise ArgumentError, "broken on purpose: #{what}"
  end
end

# A Sidekiq job class, moved over by changing its include alone.
class LegacyJob
  include Desaster::Job
  sidekiq_options queue: "legacy", retry: 1, backtrace: true

  def perform(name, count)
    report("legacy", "#{name} #{count}")
  end
end

class NoticeMailer < ActionMailer::Base
  default from: "desaster@example.com"

  def notice(widget, when_at)
    mail(to: "ops@example.com", subject: "widget #{widget.name}",
         body: "#{widget.inspect} at #{when_at.iso8601}", content_type: "text/plain")
  end
end

# The :test delivery method keeps mail in the worker's memory; the test
# reads what was delivered from out/mail.
class MailReport
  def self.delivered_email(message)
    report("mail", "to #{message.to.join(',')} subject #{message.subject} body #{message.body}")
  end
end
ActionMailer::Base.register_observer(MailReport)

Rails.application.initialize!
