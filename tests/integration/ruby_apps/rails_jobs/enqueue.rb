# frozen_string_literal: true

# Enqueues one scenario's jobs the way application code does, then prints
# "name provider_job_id" per job (tests/integration/activejob_test.cpp).
require_relative "config/environment"

def show(name, job)
  puts "#{name} #{job.provider_job_id}"
end

case ARGV.fetch(0)
when "basics"
  at = Time.zone.local(2026, 1, 2, 3, 4, 5.123456r)
  show("echo", EchoJob.perform_later(:urgent, Widget.find(7), at, { "a" => [1, 2.5, nil] },
                                     note: "kw", when_at: Time.utc(2026, 5, 6, 7, 8, 9), tags: %i[x y]))
  puts "enqueued_at #{(Time.now.to_r * 1000).floor}"
  show("later", LaterJob.set(wait: 2.seconds).perform_later("wait"))
  show("later_until", LaterJob.set(wait_until: Time.now + 3600).perform_later("until"))
  show("mail", NoticeMailer.notice(Widget.find(7), Time.utc(2026, 1, 2)).deliver_later)
  puts "legacy #{LegacyJob.perform_async('bob', 5)}"
when "retries"
  show("flaky", FlakyJob.perform_later)
  show("exhausted", ExhaustedJob.perform_later)
  show("discard", DiscardJob.perform_later)
  show("broken", BrokenJob.perform_later("widget 7"))
else
  abort "unknown scenario #{ARGV[0]}"
end
