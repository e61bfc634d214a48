# frozen_string_literal: true

require "msgpack"
require "socket"

module Desaster
  module Pool
    # The node <-> master control socket: SOCK_SEQPACKET, one msgpack map per
    # message, file descriptors as SCM_RIGHTS on the message that names them.
    class ControlChannel
      MAX_MESSAGE = 64 * 1024

      # One received message: the decoded map (or nil with a problem) and
      # the IOs that came with it.
      Received = Struct.new(:message, :ios, :problem)

      def initialize(socket)
        @socket = socket
      end

      def to_io
        @socket
      end

      # nil when the node closed its end.
      def receive
        data, _addr, flags, *controls = @socket.recvmsg(MAX_MESSAGE, 0, nil, scm_rights: true)
        ios = controls.select { |c| c.cmsg_is?(:SOCKET, :RIGHTS) }.flat_map(&:unix_rights)
        return nil if data.nil? || (data.empty? && ios.empty?)
        return Received.new(nil, ios, "control message truncated at #{MAX_MESSAGE} bytes") if flags & Socket::MSG_TRUNC != 0

        message, problem = decode(data)
        Received.new(message, ios, problem)
      rescue Errno::ECONNRESET
        nil
      end

      def send_message(message)
        @socket.sendmsg(MessagePack.pack(message))
      rescue Errno::EPIPE, Errno::ECONNRESET, IOError
        nil # the node is gone; the master notices on its next receive
      rescue Errno::EMSGSIZE, Errno::ENOBUFS => e
        warn "desaster-pool: control message #{message['t']} not sent: #{e.message}"
      end

      def close
        @socket.close unless @socket.closed?
      end

      private

      def decode(data)
        message = MessagePack.unpack(data)
        return [message, nil] if message.is_a?(Hash)

        [nil, "control message is a #{message.class.name.downcase}, not a map"]
      rescue MessagePack::UnpackError, EOFError, ArgumentError => e
        [nil, "control message is not valid msgpack (#{e.message})"]
      end
    end
  end
end
