# frozen_string_literal: true

# A job class with a cron entry: the Railtie registers it after boot.
class NightlyCleanupJob
  include Desaster::Job
  desaster_options queue: "maintenance", cron: "15 2 * * *", cron_tz: "Europe/Berlin"

  def perform; end
end
