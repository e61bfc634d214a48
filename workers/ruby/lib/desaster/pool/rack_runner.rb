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

      # The env the node sent, completed in place (the message is this
      # request's own, just decoded: no copy of it is needed).
      def build_env(message)
        env = message["env"]
        raise ProtocolError, "http field 'env' must be a map, not #{env.class}" unless env.is_a?(Hash)
        # keys.all? takes a third of each_key.all?'s time (no enumerator).
        raise ProtocolError, "http env keys must be strings" unless env.keys.all?(String)

        input = message.fetch("body", nil) || ""
        raise ProtocolError, "http field 'body' must be bytes, not #{input.class}" unless input.is_a?(String)

        input = input.b unless input.encoding == Encoding::BINARY && !input.frozen?
        defaults(env)
        env["rack.input"] = StringIO.new(input)
        env["rack.errors"] = $stderr
        env["rack.version"] = RACK_VERSION
        env["rack.multithread"] = false
        env["rack.multiprocess"] = true
        env["rack.run_once"] = false
        env["rack.hijack?"] = false
        env
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
      # the wire always carries the joined string. The usual headers (string
      # names and values, valid UTF-8 or ASCII) go out as they are; only
      # others are converted.
      def header_strings(headers)
        return headers if headers.instance_of?(Hash) && headers.all? { |name, value| wire_text?(name) && wire_text?(value) }

        headers.each_with_object({}) do |(name, value), out|
          value = value.join("\n") if value.is_a?(Array)
          out[ErrorInfo.text(name)] = ErrorInfo.text(value)
        end
      end

      def wire_text?(value)
        value.is_a?(String) && (value.encoding == Encoding::UTF_8 || value.encoding == Encoding::US_ASCII) &&
          value.valid_encoding?
      end

      # Room for status and headers next to the body in one frame.
      MAX_BODY = FrameIO::MAX_FRAME - (1 << 20)

      def collect(body)
        # The common body, one string in an array, without the copy loop.
        if body.instance_of?(Array) && body.size == 1 && body[0].instance_of?(String) && body[0].bytesize <= MAX_BODY
          return body[0].b
        end

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
