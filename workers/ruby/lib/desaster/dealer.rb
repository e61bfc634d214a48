# frozen_string_literal: true

require "ffi-rzmq"
require "desaster/connection_watch"
require "desaster/errors"
require "desaster/group_keys"
require "desaster/zmq_calls"

module Desaster
  # One DEALER socket to a node's client port, its connection watch, and a
  # wake pipe it polls beside them. ZeroMQ sockets are not thread-safe: the
  # Connection lets one thread at a time (its reader) use a Dealer.
  class Dealer
    attr_reader :watch

    # wake_fd: the read end of a pipe a thread writes to when a request
    # waits to be sent, so a poll in progress returns for it.
    def initialize(context, url, key, wake_fd)
      @url = url
      socket = context.socket(ZMQ::DEALER)
      raise Error, "cannot create a ZeroMQ socket: #{ZMQ::Util.error_string}" unless socket

      configure(context, socket, key)
      @socket = socket
      prepare_receive(wake_fd)
    end

    # False when ZeroMQ refused the frame (never for a full queue: DONTWAIT
    # on a DEALER with room, as the node's replies keep it drained).
    def send_frame(frame)
      ZmqCalls.zmq_send(@socket.socket, frame, frame.bytesize, ZMQ::DONTWAIT) >= 0
    end

    # One whole frame, or nil when none is waiting; further parts are dropped.
    def receive_frame
      ZmqCalls.zmq_msg_init(@message)
      if ZmqCalls.zmq_msg_recv(@message, @socket.socket, ZMQ::DONTWAIT).negative?
        ZmqCalls.zmq_msg_close(@message)
        return nil
      end
      frame = ZmqCalls.zmq_msg_data(@message).read_string(ZmqCalls.zmq_msg_size(@message))
      more = ZmqCalls.zmq_msg_more(@message) != 0
      ZmqCalls.zmq_msg_close(@message)
      @socket.recv_string(+"", ZMQ::DONTWAIT) while more && @socket.more_parts?
      frame
    end

    # Waits up to `seconds` for a frame, a watch event or the wake pipe, with
    # the VM lock released: [a frame is waiting, the watch has events].
    def poll(seconds)
      LibZMQ.zmq_poll(@poll_items, 3, (seconds * 1000).ceil.clamp(0, 2**31 - 1))
      [@socket_item[:revents] != 0, @watch_item[:revents] != 0]
    end

    def close
      @watch&.close
      @watch = nil
      @socket&.close
      @socket = nil
    end

    private

    def configure(context, socket, key)
      # A request that never left must not reach the node after we gave up.
      socket.setsockopt(ZMQ::LINGER, 0)
      secure(socket, key)
      @watch = ConnectionWatch.new(context, socket)
      rc = socket.connect(@url)
      raise Error, "cannot connect to '#{@url}': #{ZMQ::Util.error_string}" unless ZMQ::Util.resultcode_ok?(rc)
    rescue StandardError
      @watch&.close
      @watch = nil
      socket.close # an open socket would block the context's termination at exit
      raise
    end

    # Every node speaks CURVE with keys derived from the group key (nil or
    # empty: the default key); a client presents the group's client keypair.
    def secure(socket, key)
      keys = GroupKeys.for(key)
      [[ZMQ::CURVE_SERVERKEY, keys.server_public, "CURVE_SERVERKEY"],
       [ZMQ::CURVE_PUBLICKEY, keys.client_public, "CURVE_PUBLICKEY"],
       [ZMQ::CURVE_SECRETKEY, keys.client_secret, "CURVE_SECRETKEY"]].each do |option, value, name|
        rc = socket.setsockopt(option, value, value.bytesize)
        raise Error, "cannot set #{name}: #{ZMQ::Util.error_string}" unless ZMQ::Util.resultcode_ok?(rc)
      end
    end

    # What every receive reuses instead of making it again: one zmq_msg_t and
    # the zmq_pollitem_t triple (the socket, its watch, the wake pipe).
    # ffi-rzmq's Poller and Message allocate several FFI objects (with
    # finalizers) per call, which made a request cost ~250 us of Ruby CPU.
    def prepare_receive(wake_fd)
      @message = FFI::MemoryPointer.new(LibZMQ.size_of_zmq_msg_t)
      @poll_items = FFI::MemoryPointer.new(LibZMQ::PollItem, 3)
      items = Array.new(3) { |i| LibZMQ::PollItem.new(@poll_items + (i * LibZMQ::PollItem.size)) }
      [@socket.socket, @watch.socket.socket, nil].each_with_index do |watched, i|
        items[i][:socket] = watched || FFI::Pointer::NULL
        items[i][:fd] = watched ? 0 : wake_fd
        items[i][:events] = ZMQ::POLLIN
      end
      @socket_item = items[0]
      @watch_item = items[1]
    end
  end
end
