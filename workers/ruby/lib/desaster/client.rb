# frozen_string_literal: true

require "desaster/connection"
require "desaster/job_id"
require "desaster/job_spec"

module Desaster
  # The client API over one Connection. Jobs come back as Hashes with string
  # keys as the node sends them (ARCHITECTURE.md, job_wire), the id as 16 hex
  # digits and, for ruby jobs, "args" decoded from the payload.
  class Client
    FINAL_STATES = %w[succeeded dead killed].freeze

    attr_reader :connection

    def initialize(url: nil, timeout: nil, key: nil, config: Desaster.config)
      @timeout = timeout || config.timeout
      @name = config.client_name
      @connection = Connection.new(url: url || config.url, timeout: @timeout, key: key || config.key)
    end

    def hello
      @connection.request("hello", { "protocol" => Connection::PROTOCOL_VERSION, "client" => @name })
    end

    # The new job's id; nil when a live job already holds the `unique:` key.
    def enqueue(job_class, *args, **options)
      spec = JobSpec.build(job_class, args, options)
      reply = @connection.request("enqueue", { "jobs" => [spec] })
      error = Array(reply["errors"]).first
      if error
        return nil if error["code"] == "conflict" && spec.key?("unique")

        raise RequestError.new(error["code"], error["message"])
      end
      JobId.format(reply.fetch("ids").first)
    end

    # [[JobClass, args, options], ...] in one request (one journal write):
    # ids in order, nil where a unique key was held.
    def enqueue_many(jobs)
      specs = jobs.map { |job_class, args, options| JobSpec.build(job_class, Array(args), options || {}) }
      reply = @connection.request("enqueue", { "jobs" => specs })
      reply.fetch("ids").zip(Array(reply["errors"])).map do |id, error|
        raise RequestError.new(error["code"], error["message"]) if error && error["code"] != "conflict"

        id && JobId.format(id)
      end
    end

    def get(id)
      job(@connection.request("get", { "id" => JobId.parse(id) }).fetch("job"))
    end

    # The jobs once every one is final (succeeded, dead, killed), or as they
    # are when `timeout` seconds passed; nil for an unknown id.
    def wait(ids, timeout: 30)
      list = Array(ids).map { |id| JobId.parse(id) }
      body = { "ids" => list, "timeout_ms" => (timeout * 1000).round }
      reply = @connection.request("wait", body, timeout: timeout + @timeout)
      reply.fetch("jobs").map { |j| j && job(j) }
    end

    def list(queue: nil, state: nil, after: nil, limit: 100)
      body = { "limit" => limit }
      body["queue"] = queue.to_s if queue
      body["state"] = state.to_s if state
      body["after"] = JobId.parse(after) if after
      reply = @connection.request("list", body)
      { "jobs" => reply.fetch("jobs").map { |j| job(j) }, "next" => reply["next"], "total" => reply["total"] }
    end

    def queues
      @connection.request("queues").fetch("queues")
    end

    def stats
      @connection.request("stats")
    end

    def retry(*ids)
      ids_request("retry", ids)
    end

    def delete(*ids)
      ids_request("delete", ids)
    end

    CRON_OPTIONS = %i[tz missed starting_deadline overlap].freeze

    # A cron entry (the "cron" request): a job of job_class with args at
    # every instant of schedule ("*/5 * * * *", six fields with seconds
    # first, "@daily", "@every 30s"). Options: tz: (a tz database name; UTC
    # by default), missed: :skip/:once/:all, starting_deadline: seconds,
    # overlap: :allow/:forbid/:replace, and the enqueue options but in:,
    # at: and unique:. Returns the entry as the node shows it.
    def cron(name, schedule, job_class, *args, **options)
      cron_options = options.slice(*CRON_OPTIONS)
      # A Desaster::Job class's desaster_options (queue, priority, ...) apply
      # as they do to perform_async, under what is given here.
      defaults = job_class.respond_to?(:desaster_options) ? job_class.desaster_options : {}
      defaults = defaults.slice(*(JobSpec::OPTIONS - %i[in at unique]))
      job_options = defaults.merge(options.reject { |key, _| CRON_OPTIONS.include?(key) })
      body = { "action" => "add", "name" => name.to_s, "schedule" => schedule.to_s,
               "job" => JobSpec.build(job_class, args, job_options) }
      body["zone"] = cron_options[:tz].to_s if cron_options[:tz]
      body["missed"] = cron_options[:missed].to_s if cron_options[:missed]
      body["overlap"] = cron_options[:overlap].to_s if cron_options[:overlap]
      if cron_options[:starting_deadline]
        body["starting_deadline_ms"] = JobSpec.milliseconds(cron_options[:starting_deadline], :starting_deadline)
      end
      @connection.request("cron", body).fetch("entries").first
    end

    # The job fields a declared entry is compared on, with the node's
    # defaults for those a spec leaves out.
    CRON_JOB_FIELDS = { "queue" => "", "kind" => "", "class" => "", "payload" => "", "priority" => 0,
                        "timeout_ms" => 0, "max_attempts" => 0, "backoff_base_ms" => 0,
                        "backoff_max_ms" => 0, "pin_node" => "", "pin_pool" => "" }.freeze

    # The entries the job classes declared (desaster_options cron: ...),
    # made to match: an entry that is missing is added, one that differs is
    # removed and added again (its run history starts anew), one that
    # matches is left alone, so a boot of every process may call it. Entries
    # no class declares are left alone too. -> {name => :added/:replaced/:unchanged}
    def register_crons(classes = Desaster::Job.cron_classes)
      classes.to_h do |job_class|
        decl = job_class.desaster_cron
        existing = cron_entry_or_nil(decl[:name])
        status = if existing.nil? then :added
                 elsif cron_matches?(existing, job_class, decl) then :unchanged
                 else
                   cron_remove(decl[:name])
                   :replaced
                 end
        cron(decl[:name], decl[:schedule], job_class, *decl[:args], **decl[:options]) unless status == :unchanged
        [decl[:name], status]
      end
    end

    private def cron_entry_or_nil(name)
      cron_entry(name)
    rescue Desaster::RequestError => e
      raise unless e.code == "not_found"

      nil
    end

    private def cron_matches?(entry, job_class, decl)
      options = decl[:options]
      zone = options[:tz].to_s == "UTC" ? "" : options[:tz].to_s
      deadline = options[:starting_deadline] ? JobSpec.milliseconds(options[:starting_deadline], :starting_deadline) : 0
      wanted = [decl[:schedule], zone, (options[:missed] || :once).to_s, (options[:overlap] || :allow).to_s, deadline]
      return false unless entry.values_at("schedule", "zone", "missed", "overlap", "starting_deadline_ms") == wanted

      defaults = job_class.desaster_options.slice(*(JobSpec::OPTIONS - %i[in at unique]))
      spec = JobSpec.build(job_class, decl[:args], defaults)
      job = entry.fetch("job")
      CRON_JOB_FIELDS.all? do |key, default|
        a = spec.fetch(key, default)
        b = job.fetch(key, default)
        a.is_a?(String) && b.is_a?(String) ? a.b == b.b : a == b
      end
    end

    # Every entry, with its next instants ("next") and last runs ("runs").
    def cron_entries
      @connection.request("cron", { "action" => "list" }).fetch("entries")
    end

    def cron_entry(name)
      @connection.request("cron", { "action" => "show", "name" => name.to_s }).fetch("entries").first
    end

    # pause, resume, remove: nil; run: the id of the job made now.
    %w[pause resume remove].each do |action|
      define_method("cron_#{action}") do |name|
        @connection.request("cron", { "action" => action, "name" => name.to_s })
        nil
      end
    end

    def cron_run(name)
      JobId.format(@connection.request("cron", { "action" => "run", "name" => name.to_s }).fetch("job"))
    end

    def close
      @connection.close
    end

    private

    def ids_request(type, ids)
      @connection.request(type, { "ids" => ids.flatten.map { |id| JobId.parse(id) } }).fetch("errors")
    end

    def job(map)
      map = map.merge("id" => JobId.format(map.fetch("id")))
      map["args"] = decode_args(map["payload"]) if map["kind"] == "ruby"
      map
    end

    def decode_args(payload)
      MessagePack.unpack(payload.to_s)
    rescue MessagePack::UnpackError, EOFError
      nil
    end
  end
end
