# frozen_string_literal: true

module Desaster
  # An exception as the wire carries it: {"class", "message", "backtrace"}.
  # Texts are made valid UTF-8 so they travel as msgpack str, which every
  # reader accepts, whatever bytes the exception held.
  module ErrorInfo
    MAX_BACKTRACE = 50

    module_function

    def from(exception)
      {
        "class" => text(exception.class.name || exception.class.inspect),
        "message" => text(exception.message),
        "backtrace" => Array(exception.backtrace).first(MAX_BACKTRACE).map { |line| text(line) }
      }
    end

    def text(value)
      value.to_s.dup.force_encoding(Encoding::UTF_8).scrub("?")
    end
  end
end
