# frozen_string_literal: true

module Desaster
  # An exception as the wire carries it: {"class", "message", "backtrace"}.
  # Texts are made valid UTF-8 so they travel as msgpack str, which every
  # reader accepts, whatever bytes the exception held.
  module ErrorInfo
    # Bounds keep an error well inside one control message or frame, however
    # large the exception's message (some embed whole documents).
    MAX_BACKTRACE = 50
    MAX_MESSAGE = 16 * 1024
    MAX_LINE = 1024

    module_function

    def from(exception)
      {
        "class" => text(exception.class.name || exception.class.inspect, MAX_LINE),
        "message" => text(exception.message, MAX_MESSAGE),
        "backtrace" => Array(exception.backtrace).first(MAX_BACKTRACE).map { |line| text(line, MAX_LINE) }
      }
    end

    def text(value, limit = nil)
      string = value.to_s
      string = "#{string.byteslice(0, limit)}... (#{string.bytesize} bytes)" if limit && string.bytesize > limit
      string.dup.force_encoding(Encoding::UTF_8).scrub("?")
    end
  end
end
