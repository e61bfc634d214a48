# frozen_string_literal: true

require "msgpack"

module Desaster
  module Pool
    # A frame on the wire is invalid: the channel cannot be trusted any more.
    class FrameError < StandardError; end

    # The worker channel's framing: a 4-byte big-endian length, then that many
    # bytes of one msgpack map. Reads are sysreads on the raw fd into this
    # object's own buffer (nothing else reads the channel): one sysread
    # usually brings a whole frame, length and map, instead of two.
    class FrameIO
      MAX_FRAME = 16 << 20
      READ_SIZE = 64 << 10

      def initialize(io)
        @io = io
        @buffer = String.new(encoding: Encoding::BINARY)
        @chunk = String.new(capacity: READ_SIZE, encoding: Encoding::BINARY)
        # One unpacker and one packer for the channel's life: MessagePack.unpack
        # and .pack make a new one per call, a third of a request's decoding.
        @unpacker = MessagePack::Unpacker.new
        @packer = MessagePack::Packer.new
      end

      attr_reader :io

      # Bytes already read from the fd but not yet returned as a frame: a
      # select on the fd does not see them, so a caller that waits for
      # readability must look here first.
      def buffered?
        !@buffer.empty?
      end

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
        payload = pack(message)
        raise FrameError, "frame of #{payload.bytesize} bytes is larger than the limit of #{MAX_FRAME}" if payload.bytesize > MAX_FRAME

        write_all([payload.bytesize].pack("N") + payload)
      end

      def close
        @io.close unless @io.closed?
      end

      private

      def pack(message)
        @packer.write(message)
        @packer.to_s
      ensure
        @packer.clear
      end

      # As MessagePack.unpack: one whole object, nothing after it. The
      # unpacker is emptied after every frame, whatever it held.
      def decode(bytes)
        @unpacker.feed(bytes)
        message = @unpacker.read
        extra = @unpacker.buffer.size
        return [:bad, "frame is not valid msgpack (#{extra} extra bytes after the deserialized object)"] if extra.positive?
        return message if message.is_a?(Hash)

        [:bad, "frame holds a #{message.class.name.downcase}, not a map"]
      rescue MessagePack::UnpackError, EOFError, ArgumentError => e
        [:bad, "frame is not valid msgpack (#{e.message})"]
      ensure
        @unpacker.reset
      end

      # The next count bytes of the stream. at_boundary: a frame starts
      # here, so an end of stream before its first byte is a clean end.
      def read_exactly(count, at_boundary:)
        while @buffer.bytesize < count
          have = @buffer.bytesize
          chunk = sysread_some(count - have)
          if chunk.nil?
            return nil if at_boundary && have.zero?

            raise FrameError, "stream ended inside a frame (#{have} of #{count} bytes)"
          end
          @buffer << chunk
        end
        return @buffer.slice!(0, count) if @buffer.bytesize > count

        out = @buffer
        @buffer = String.new(encoding: Encoding::BINARY)
        out
      end

      # Up to READ_SIZE into the reused chunk (what follows this frame stays
      # in the buffer), or a large body's rest in one string of its own (a
      # 16 MiB frame does not leave a 16 MiB chunk behind).
      def sysread_some(missing)
        missing > READ_SIZE ? @io.sysread(missing) : @io.sysread(READ_SIZE, @chunk)
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
