# frozen_string_literal: true

require "msgpack"

module Desaster
  module Pool
    # A frame on the wire is invalid: the channel cannot be trusted any more.
    class FrameError < StandardError; end

    # The worker channel's framing: a 4-byte big-endian length, then that many
    # bytes of one msgpack map. Reads are exact sysread loops on the raw fd:
    # a buffered IO could swallow the next frame, and the node counts bytes.
    class FrameIO
      MAX_FRAME = 16 << 20

      def initialize(io)
        @io = io
      end

      attr_reader :io

      # The next message as a Hash, or nil at a clean end of stream (EOF at a
      # frame boundary). Raises FrameError when the length is over the limit
      # or the stream ends inside a frame, and returns [:bad, message] for a
      # frame whose bytes are not one msgpack map (the framing still holds).
      def read
        header = read_exactly(4, at_boundary: true)
        return nil if header.nil?

        length = header.unpack1("N")
        raise FrameError, "frame of #{length} bytes is larger than the limit of #{MAX_FRAME}" if length > MAX_FRAME

        decode(read_exactly(length, at_boundary: false))
      end

      def write(message)
        payload = MessagePack.pack(message)
        raise FrameError, "frame of #{payload.bytesize} bytes is larger than the limit of #{MAX_FRAME}" if payload.bytesize > MAX_FRAME

        write_all([payload.bytesize].pack("N") + payload)
      end

      def close
        @io.close unless @io.closed?
      end

      private

      def decode(bytes)
        message = MessagePack.unpack(bytes)
        return message if message.is_a?(Hash)

        [:bad, "frame holds a #{message.class.name.downcase}, not a map"]
      rescue MessagePack::UnpackError, EOFError, ArgumentError => e
        [:bad, "frame is not valid msgpack (#{e.message})"]
      end

      def read_exactly(count, at_boundary:)
        buffer = String.new(capacity: count, encoding: Encoding::BINARY)
        while buffer.bytesize < count
          chunk = sysread_some(count - buffer.bytesize)
          if chunk.nil?
            return nil if at_boundary && buffer.empty?

            raise FrameError, "stream ended inside a frame (#{buffer.bytesize} of #{count} bytes)"
          end
          buffer << chunk
        end
        buffer
      end

      def sysread_some(count)
        @io.sysread(count)
      rescue EOFError, Errno::ECONNRESET
        nil
      end

      def write_all(bytes)
        written = 0
        written += @io.syswrite(bytes.byteslice(written..)) while written < bytes.bytesize
      end
    end
  end
end
