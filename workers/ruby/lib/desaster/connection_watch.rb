# frozen_string_literal: true

require "ffi-rzmq"

module Desaster
  # Watches a client socket's connection attempts and CURVE handshakes
  # through a libzmq socket monitor, so that a node that is not running and a
  # node that refuses our group key are errors within a fraction of a second
  # instead of a timeout. The same rule as the C++ client (handshake_watch.hpp):
  # two failures in a row, one reconnect apart; a refused connect counts only
  # before the first connection (after it, the node is likely restarting).
  # It also counts the connection's closes, after which a request still
  # unanswered is sent again (Connection).
  class ConnectionWatch
    EVENT_CONNECTED = 0x0001
    EVENT_CONNECT_RETRIED = 0x0004
    EVENT_DISCONNECTED = 0x0200
    EVENT_HANDSHAKE_FAILED_NO_DETAIL = 0x0800
    EVENT_HANDSHAKE_SUCCEEDED = 0x1000
    EVENT_HANDSHAKE_FAILED_PROTOCOL = 0x2000
    EVENT_HANDSHAKE_FAILED_AUTH = 0x4000
    EVENTS = EVENT_CONNECTED | EVENT_CONNECT_RETRIED | EVENT_DISCONNECTED | EVENT_HANDSHAKE_FAILED_NO_DETAIL |
             EVENT_HANDSHAKE_SUCCEEDED | EVENT_HANDSHAKE_FAILED_PROTOCOL | EVENT_HANDSHAKE_FAILED_AUTH
    FAILURES_BEFORE_GIVING_UP = 2

    @next_id = 0
    @id_lock = Mutex.new
    def self.next_endpoint
      @id_lock.synchronize { "inproc://desaster.ruby-watch.#{Process.pid}.#{@next_id += 1}" }
    end

    # How often the connection closed (a node stopping, a hot upgrade's old
    # process handing over) since the watch began, as of the last drain.
    attr_reader :socket, :disconnects

    # Call before the watched socket connects.
    def initialize(context, watched)
      endpoint = self.class.next_endpoint
      rc = ::LibZMQ.zmq_socket_monitor(watched.socket, FFI::MemoryPointer.from_string(endpoint), EVENTS)
      raise Error, "cannot monitor the connection: #{ZMQ::Util.error_string}" unless ZMQ::Util.resultcode_ok?(rc)

      @socket = context.socket(ZMQ::PAIR)
      @socket.setsockopt(ZMQ::LINGER, 0)
      @socket.connect(endpoint)
      @refused_handshakes = 0
      @refused_connects = 0
      @connected = false
      @disconnects = 0
      @up = false
    end

    def ever_connected?
      @connected
    end

    # The connection is there and its handshake done, as of the last drain.
    def up?
      @up
    end

    # [:nothing_listens | :key_refused, reason] once the failures add up; nil otherwise.
    def drain
      loop do
        head = +""
        break unless ZMQ::Util.resultcode_ok?(@socket.recv_string(head, ZMQ::DONTWAIT))

        @socket.recv_string(+"", ZMQ::DONTWAIT) while @socket.more_parts?
        note(*head.unpack("S<L<")) if head.bytesize >= 6
      end
      verdict
    end

    def close
      @socket&.close
      @socket = nil
    end

    private

    def note(event, value)
      case event
      when EVENT_CONNECTED
        @connected = true
        @refused_connects = 0
      when EVENT_CONNECT_RETRIED then @refused_connects += 1
      when EVENT_DISCONNECTED
        @disconnects += 1
        @up = false
      when EVENT_HANDSHAKE_SUCCEEDED
        @refused_handshakes = 0
        @up = true
      else
        @refused_handshakes += 1
        @reason = describe(event, value)
      end
    end

    def verdict
      if @refused_handshakes >= FAILURES_BEFORE_GIVING_UP
        @refused_handshakes = 0
        return [:key_refused, @reason]
      end
      if !@connected && @refused_connects >= FAILURES_BEFORE_GIVING_UP
        @refused_connects = 0
        return [:nothing_listens, "nothing accepts connections there (connection refused)"]
      end
      nil
    end

    def describe(event, value)
      case event
      when EVENT_HANDSHAKE_FAILED_AUTH then "the node's authenticator refused this key (status #{value})"
      when EVENT_HANDSHAKE_FAILED_NO_DETAIL then "the node closed the connection during the CURVE handshake"
      else "the CURVE handshake failed (protocol error #{value})"
      end
    end
  end
end
