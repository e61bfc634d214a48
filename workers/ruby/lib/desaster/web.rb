# frozen_string_literal: true

require "net/http"
require "uri"

module Desaster
  # A Rack app that serves desaster-web's page and API inside another Rack
  # app (a Rails app's routes.rb, behind its own authentication, as
  # Sidekiq::Web is mounted):
  #
  #   # config/initializers/desaster.rb
  #   require "desaster/web"
  #   Desaster::Web.upstream = "http://127.0.0.1:2690"  # or DESASTER_WEB_URL
  #   # config/routes.rb
  #   authenticate :user, ->(u) { u.admin? } do
  #     mount Desaster::Web => "/desaster"
  #   end
  #
  # with desaster-web started `--base-path /desaster` (the mount point).
  # It is a reverse proxy, not a second implementation: every page, list and
  # action is desaster-web's, which keeps the live replica of the state; a
  # Rails process holds no state of the cluster and no feed subscription.
  #
  # Requests go to desaster-web with the path they had (SCRIPT_NAME +
  # PATH_INFO), so the mount point must equal --base-path; when it cannot
  # (desaster-web serves at "/" for others too), set Desaster::Web.base_path
  # to desaster-web's prefix and the path and redirects are rewritten.
  # Bodies are streamed both ways in bounded chunks, so the live stream
  # (/api/events, Server-Sent Events) passes through as it comes; this needs
  # a server that writes each chunk of a body as it is yielded (puma does;
  # WEBrick buffers whole bodies and so cannot carry the live stream).
  class Web
    # Request headers that describe one hop, not the request (RFC 9110 7.6.1).
    HOP_HEADERS = %w[connection keep-alive proxy-authenticate proxy-authorization proxy-connection
                     te trailer transfer-encoding upgrade host content-length].freeze
    # desaster-web refuses larger bodies itself (ui/web/server/http_glue.hpp);
    # refusing here first keeps a big upload out of the Rails process.
    MAX_REQUEST_BODY = 1024 * 1024
    # Chunks of a response waiting for a slow browser, per request: with
    # Net::HTTP's 16 KiB reads at most ~256 KiB are held.
    QUEUED_CHUNKS = 16

    class << self
      attr_writer :upstream, :base_path
      # Seconds to connect; seconds without a byte from desaster-web before a
      # request is abandoned (the live stream sends a keepalive every 15 s).
      attr_accessor :open_timeout, :read_timeout

      def upstream
        @upstream || ENV["DESASTER_WEB_URL"] || "http://127.0.0.1:2690"
      end

      # desaster-web's --base-path; nil: the mount point (SCRIPT_NAME).
      attr_reader :base_path

      # `mount Desaster::Web => "/desaster"` calls the class.
      def call(env)
        new.call(env)
      end
    end
    self.open_timeout = 5
    self.read_timeout = 60

    def call(env)
      mount = env["SCRIPT_NAME"].to_s
      base = self.class.base_path || mount
      request = build_request(env, base)
      return request if request.is_a?(Array) # an error answered here

      forward(request, mount, base)
    end

    private

    def build_request(env, base)
      method = env["REQUEST_METHOD"].to_s
      return plain(405, "method #{method} not allowed") unless %w[GET HEAD POST].include?(method)

      body = nil
      if method == "POST"
        body = read_body(env)
        return plain(413, "body larger than #{MAX_REQUEST_BODY} bytes") if body.nil?
      end
      path = base + env["PATH_INFO"].to_s
      path = "/" if path.empty?
      query = env["QUERY_STRING"].to_s
      path += "?#{query}" unless query.empty?
      request = Net::HTTPGenericRequest.new(method, !body.nil?, method != "HEAD", path)
      copy_headers(env, request)
      if body
        request.body = body
        request["content-type"] = env["CONTENT_TYPE"] if env["CONTENT_TYPE"]
      end
      request
    end

    # The request body, or nil when it is larger than MAX_REQUEST_BODY.
    def read_body(env)
      input = env["rack.input"]
      return "" unless input

      input.rewind if input.respond_to?(:rewind)
      data = input.read(MAX_REQUEST_BODY + 1) || ""
      data.bytesize > MAX_REQUEST_BODY ? nil : data
    end

    def copy_headers(env, request)
      # Net::HTTP asks for gzip itself unless told; pass the browser's own
      # Accept-Encoding instead (or none) so bodies go through unchanged.
      request.delete("accept-encoding")
      env.each do |key, value|
        next unless key.start_with?("HTTP_") && value.is_a?(String)

        name = key.delete_prefix("HTTP_").downcase.tr("_", "-")
        next if HOP_HEADERS.include?(name) || name.start_with?("x-forwarded-")

        request[name] = value
      end
      request["x-forwarded-for"] = env["REMOTE_ADDR"] if env["REMOTE_ADDR"]
      request["x-forwarded-proto"] = env["rack.url_scheme"] if env["rack.url_scheme"]
      request["x-forwarded-host"] = env["HTTP_HOST"] if env["HTTP_HOST"]
    end

    # Sends the request from a thread of its own that hands the response
    # over through a bounded queue: the status and headers first, then the
    # body chunk by chunk, so neither side ever holds a whole body.
    def forward(request, mount, base)
      uri = URI(self.class.upstream)
      queue = SizedQueue.new(QUEUED_CHUNKS)
      thread = Thread.new do
        Thread.current.report_on_exception = false
        Net::HTTP.start(uri.host, uri.port, use_ssl: uri.scheme == "https",
                                            open_timeout: self.class.open_timeout,
                                            read_timeout: self.class.read_timeout) do |http|
          http.request(request) do |response|
            queue << [:head, response]
            response.read_body { |chunk| queue << [:chunk, chunk] }
          end
        end
        queue << [:done, nil]
      rescue StandardError => e
        queue << [:error, e]
      end
      kind, value = queue.pop
      return upstream_error(thread, value) if kind == :error

      [value.code.to_i, response_headers(value, mount, base), Body.new(queue, thread)]
    end

    def response_headers(response, mount, base)
      headers = {}
      response.each_name do |name|
        next if HOP_HEADERS.include?(name)

        values = response.get_fields(name)
        if name == "location" && base != mount
          values = values.map { |v| v.start_with?(base) ? mount + v.delete_prefix(base) : v }
        end
        # Rack 2 joins repeated headers (Set-Cookie) with newlines.
        headers[name] = values.join("\n")
      end
      # Tell a buffering proxy in front of the Rails app (nginx) to pass the
      # live stream through as it comes.
      headers["x-accel-buffering"] = "no" if headers["content-type"].to_s.start_with?("text/event-stream")
      headers
    end

    def upstream_error(thread, error)
      thread.join(1)
      status = error.is_a?(Net::OpenTimeout) || error.is_a?(Net::ReadTimeout) ? 504 : 502
      plain(status, "desaster-web at #{self.class.upstream} is not answering " \
                    "(#{error.class}: #{error.message}); is it running? " \
                    "(Desaster::Web.upstream or DESASTER_WEB_URL names it)")
    end

    def plain(status, message)
      [status, { "content-type" => "text/plain; charset=utf-8", "cache-control" => "no-store" },
       ["#{message}\n"]]
    end

    # The response body: yields chunks as desaster-web sends them; close
    # (the server calls it when the response ends or the browser left) ends
    # the request to desaster-web too.
    class Body
      def initialize(queue, thread)
        @queue = queue
        @thread = thread
      end

      def each
        loop do
          kind, value = @queue.pop
          break unless kind == :chunk

          yield value
        end
      end

      def close
        @thread.kill
        @thread.join(1)
      end
    end
  end
end
