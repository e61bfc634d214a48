# frozen_string_literal: true

require "desaster/error_info"
require "desaster/pool/app_executor"
require "desaster/pool/frame_io"
require "desaster/pool/job_runner"
require "desaster/pool/rack_runner"
require "desaster/pool/rss"

module Desaster
  module Pool
    # One forked worker: `ready`, then one job at a time until `stop` or the
    # node closes the channel. A message it cannot use is answered as a
    # failed job when it names an id, logged otherwise; only broken framing
    # (the next frame cannot be found) ends the worker.
    class Worker
      EXIT_OK = 0
      EXIT_BAD_FRAME = 65 # EX_DATAERR

      def initialize(channel, rack_app:, log:)
        @frames = FrameIO.new(channel)
        @rack = RackRunner.new(rack_app)
        @log = log
      end

      # Returns the exit status for the process.
      def run
        @frames.write("t" => "ready", "pid" => Process.pid)
        loop do
          message = @frames.read
          return EXIT_OK if message.nil?
          return EXIT_OK if handle(message) == :stop
        end
      rescue FrameError => e
        @log.call("worker channel closed: #{e.message}")
        EXIT_BAD_FRAME
      rescue Errno::EPIPE, Errno::ECONNRESET
        EXIT_OK
      end

      private

      def handle(message)
        return @log.call("ignored a malformed frame: #{message[1]}") if message.is_a?(Array)

        case message["t"]
        when "stop" then :stop
        when "job" then answer(message) { AppExecutor.wrap { JobRunner.run(message) }; {} }
        when "http" then answer(message) { @rack.call(message) }
        else
          refuse(message, "unknown message type #{message['t'].inspect} (expected job, http or stop)")
        end
      end

      def answer(message)
        id = message["id"]
        return refuse(message, "#{message['t']} message without a string field 'id'") unless id.is_a?(String)

        reply = { "t" => "done", "id" => id, "ok" => true }
        begin
          reply.merge!(yield)
        rescue SignalException
          raise # a signal ends the worker, as the node or the operator meant
        rescue Exception => e # rubocop:disable Lint/RescueException
          # Whatever a job raises (exit and ScriptError included) fails that
          # attempt; the worker stays to take the next one.
          reply = { "t" => "done", "id" => id, "ok" => false, "error" => ErrorInfo.from(e) }
        end
        reply["rss_kb"] = Rss.kb
        @frames.write(reply)
      end

      def refuse(message, text)
        id = message["id"]
        if id.is_a?(String)
          error = ErrorInfo.from(ProtocolError.new(text))
          @frames.write("t" => "done", "id" => id, "ok" => false, "error" => error, "rss_kb" => Rss.kb)
        end
        @log.call("refused a message: #{text}")
      end
    end
  end
end
