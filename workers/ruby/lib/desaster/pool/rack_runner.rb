# frozen_string_literal: true

require "stringio"
require "desaster/error_info"
require "desaster/pool/frame_io"

module Desaster
  module Pool
    # Runs one `http` message through the pool's Rack application: the env
    # the node sent, completed with what Rack requires, in; status, headers
    # and the whole body out. The body is closed even when iterating raised
    # (Rack::BodyProxy hooks such as Rails' executor depend on it).
    class RackRunner
      RACK_VERSION = [1, 3].freeze

      def initialize(app)
        @app = app
      end

      def call(message)
        raise ProtocolError, "this pool has no Rack application (start it with --rackup)" unless @app

        status, headers, body = @app.call(build_env(message))
        {
          "status" => Integer(status),
          "headers" => header_strings(headers),
          "body" => collect(body)
        }
      end

      private

      def build_env(message)
        env = message["env"]
        raise ProtocolError, "http field 'env' must be a map, not #{env.class}" unless env.is_a?(Hash)
        raise ProtocolError, "http env keys must be strings" unless env.keys.all?(String)

        input = message.fetch("body", nil) || ""
        raise ProtocolError, "http field 'body' must be bytes, not #{input.class}" unless input.is_a?(String)

        defaults(env.dup).merge(
          "rack.input" => StringIO.new(input.b),
          "rack.errors" => $stderr,
          "rack.version" => RACK_VERSION,
          "rack.multithread" => false,
          "rack.multiprocess" => true,
          "rack.run_once" => false,
          "rack.hijack?" => false
        )
      end

      def defaults(env)
        env["REQUEST_METHOD"] ||= "GET"
        env["SCRIPT_NAME"] ||= ""
        env["PATH_INFO"] ||= "/"
        env["QUERY_STRING"] ||= ""
        env["SERVER_NAME"] ||= "localhost"
        env["SERVER_PORT"] ||= "80"
        env["SERVER_PROTOCOL"] ||= "HTTP/1.1"
        env["rack.url_scheme"] ||= "http"
        env
      end

      # Rack 2 joins repeated header values with "\n", Rack 3 gives arrays;
      # the wire always carries the joined string.
      def header_strings(headers)
        headers.each_with_object({}) do |(name, value), out|
          value = value.join("\n") if value.is_a?(Array)
          out[ErrorInfo.text(name)] = ErrorInfo.text(value)
        end
      end

      # Room for status and headers next to the body in one frame.
      MAX_BODY = FrameIO::MAX_FRAME - (1 << 20)

      def collect(body)
        out = String.new(encoding: Encoding::BINARY)
        body.each do |chunk|
          out << chunk.to_s.b
          raise ProtocolError, "response body is over #{MAX_BODY} bytes, more than one frame carries" if out.bytesize > MAX_BODY
        end
        out
      ensure
        body.close if body.respond_to?(:close)
      end
    end
  end
end
