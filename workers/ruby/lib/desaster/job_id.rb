# frozen_string_literal: true

module Desaster
  # Job ids are 64-bit integers on the wire and 16 hex digits for people
  # (desasterctl prints them so, and the pool protocol carries them so).
  module JobId
    module_function

    def format(id)
      Kernel.format("%016x", id)
    end

    def parse(id)
      case id
      when Integer then id
      when /\A\h{1,16}\z/ then id.to_i(16)
      else raise Desaster::ArgumentError, "#{id.inspect} is not a job id (16 hex digits)"
      end
    end
  end
end
