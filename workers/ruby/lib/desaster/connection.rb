# frozen_string_literal: true

require "ffi-rzmq"
require "msgpack"
require "desaster/connection_watch"
require "desaster/errors"
require "desaster/group_keys"

module Desaster
  # One DEALER to a node's client port speaking the client protocol
  # (PROTOCOL.md): request [1, id, type, body] -> reply [1, id, status,
  # body]. Requests are synchronous; a reply to an earlier request that timed
  # out is skipped by its id. Safe across fork (a child opens its own context)
  # and between threads (one request at a time).
  #
  # Three failures read differently: ConnectionRefusedError (nothing listens)
  # and KeyRefusedError (another group key) within a fraction of a second,
  # TimeoutError when the node does not answer within the timeout.
  class Connection
    PROTOCOL_VERSION = 1
    MAX_FRAME = 16 << 20
    # Status names of error replies; a frame with id 0 and one of these is the
    # node saying it could not read our request's id (push types differ).
    ERROR_CODES = %w[bad_request not_found conflict unavailable io_error corrupt internal].freeze

    attr_reader :url

    def initialize(url:, timeout:, key: nil)
      @url = url
      @timeout = timeout
      @key = key
      @mutex = Mutex.new
      @next_id = 0
      @pid = nil
    end

    # The reply body (a Hash) of one request; raises RequestError when the
    # node answers with an error, TimeoutError when it does not answer.
    def request(type, body = {}, timeout: @timeout)
      @mutex.synchronize do
        open if @pid != Process.pid || @socket.nil? # first use, fork, or after close
        id = (@next_id += 1)
        send_frame(MessagePack.pack([PROTOCOL_VERSION, id, type, body]), type)
        await(id, type, timeout)
      end
    end

    # Closes the socket and ends its context here rather than in ffi-rzmq's
    # GC finalizer, whose zmq_ctx_term would block for good if it ran before
    # the socket's own finalizer (finalizers run in any order). A Client
    # dropped without close still leaves that to GC: close what you open.
    def close
      @mutex.synchronize do
        close_socket
        if @context && @pid == Process.pid
          @context.terminate
          @context = nil
        end
      end
    end

    private

    # The one place a socket is set up.
    def open
      # After fork the parent's context belongs to the parent: leave it be.
      close_socket if @pid == Process.pid
      @context = ZMQ::Context.new if @pid != Process.pid || @context.nil?
      @pid = Process.pid
      socket = @context.socket(ZMQ::DEALER)
      raise Error, "cannot create a ZeroMQ socket: #{ZMQ::Util.error_string}" unless socket

      configure(socket)
      @socket = socket
      prepare_receive
    end

    # What every request reuses instead of making it again: one zmq_msg_t and
    # the zmq_pollitem_t pair (the socket, its watch). ffi-rzmq's Poller and
    # Message allocate several FFI objects (with finalizers) per call, which
    # made a request cost ~250 us of Ruby CPU against ~40 us now.
    def prepare_receive
      @message = FFI::MemoryPointer.new(LibZMQ.size_of_zmq_msg_t)
      @poll_items = FFI::MemoryPointer.new(LibZMQ::PollItem, 2)
      [@socket, @watch.socket].each_with_index do |watched, i|
        item = LibZMQ::PollItem.new(@poll_items + (i * LibZMQ::PollItem.size))
        item[:socket] = watched.socket
        item[:fd] = 0
        item[:events] = ZMQ::POLLIN
      end
      @watch_item = LibZMQ::PollItem.new(@poll_items + LibZMQ::PollItem.size)
    end

    def configure(socket)
      # A request that never left must not reach the node after we gave up.
      socket.setsockopt(ZMQ::LINGER, 0)
      secure(socket)
      @watch = ConnectionWatch.new(@context, socket)
      rc = socket.connect(@url)
      raise Error, "cannot connect to '#{@url}': #{ZMQ::Util.error_string}" unless ZMQ::Util.resultcode_ok?(rc)
    rescue StandardError
      close_watch
      socket.close # an open socket would block the context's termination at exit
      raise
    end

    # Every node speaks CURVE with keys derived from the group key (nil or
    # empty: the default key); a client presents the group's client keypair.
    def secure(socket)
      keys = GroupKeys.for(@key)
      [[ZMQ::CURVE_SERVERKEY, keys.server_public, "CURVE_SERVERKEY"],
       [ZMQ::CURVE_PUBLICKEY, keys.client_public, "CURVE_PUBLICKEY"],
       [ZMQ::CURVE_SECRETKEY, keys.client_secret, "CURVE_SECRETKEY"]].each do |option, value, name|
        rc = socket.setsockopt(option, value, value.bytesize)
        raise Error, "cannot set #{name}: #{ZMQ::Util.error_string}" unless ZMQ::Util.resultcode_ok?(rc)
      end
    end

    def close_socket
      close_watch
      @socket&.close
      @socket = nil
      @poll_items = nil
      @message = nil
    end

    def close_watch
      @watch&.close
      @watch = nil
    end

    def send_frame(frame, type)
      rc = LibZMQ.zmq_send(@socket.socket, frame, frame.bytesize, ZMQ::DONTWAIT)
      return if rc >= 0

      reopen
      raise Error, "cannot send #{type} to #{@url}: #{ZMQ::Util.error_string}"
    end

    def await(id, type, timeout)
      deadline = now + timeout
      loop do
        reply = receive(deadline)
        if reply.nil?
          connected = @watch&.ever_connected?
          # Start clean: the request may still sit in the socket.
          reopen
          raise TimeoutError, timeout_message(type, timeout, connected)
        end
        body = match(reply, id)
        return body if body
      end
    end

    def reopen
      close_socket
      open
    end

    def timeout_message(type, timeout, connected)
      if connected
        "no reply to #{type} from the node at #{@url} within #{timeout} s: the node accepted the " \
          "connection but did not answer in time (busy or stopped?); try again or raise the timeout"
      else
        "no connection to #{@url} within #{timeout} s: the host does not answer (down, or a " \
          "firewall drops the packets?)"
      end
    end

    # Raises at once when the watch saw the connection or the handshake refused.
    def check_watch
      kind, reason = @watch&.drain
      return unless kind

      reopen
      if kind == :nothing_listens
        raise ConnectionRefusedError, "cannot connect to #{@url}: #{reason}; is the node running, and on " \
                                      "this port? (Desaster.ensure_daemon! starts one)"
      end
      raise KeyRefusedError, "#{@url} refused this client: #{reason}. Is the group key the node's? " \
                             "(DESASTER_KEY or Desaster.config.key)"
    end

    # nil at the deadline. The watch is read when it has something (and once
    # before the first wait), as often as before but without a poll of its own.
    def receive(deadline)
      watch_ready = true
      loop do
        frame = receive_frame
        return frame if frame

        check_watch if watch_ready
        left = deadline - now
        return nil if left <= 0

        LibZMQ.zmq_poll(@poll_items, 2, (left * 1000).ceil)
        watch_ready = @watch_item[:revents] != 0
      end
    end

    # One whole frame, or nil when none is waiting; further parts are dropped.
    def receive_frame
      LibZMQ.zmq_msg_init(@message)
      if LibZMQ.zmq_msg_recv(@message, @socket.socket, ZMQ::DONTWAIT).negative?
        LibZMQ.zmq_msg_close(@message)
        return nil
      end
      frame = LibZMQ.zmq_msg_data(@message).read_string(LibZMQ.zmq_msg_size(@message))
      more = LibZMQ.zmq_msg_more(@message) != 0
      LibZMQ.zmq_msg_close(@message)
      drain_more_parts if more
      frame
    end

    def drain_more_parts
      @socket.recv_string(+"", ZMQ::DONTWAIT) while @socket.more_parts?
    end

    # The body of the reply to request `id`, nil for any other frame
    # (a late reply to an abandoned request, a push).
    def match(frame, id)
      version, reply_id, status, body = decode(frame)
      raise ProtocolError, "the node speaks protocol #{version}, this client #{PROTOCOL_VERSION}" unless version == PROTOCOL_VERSION
      return nil unless reply_id == id || (reply_id.zero? && ERROR_CODES.include?(status))
      return body if status == "ok"

      raise RequestError.new(status, body["message"].to_s)
    end

    def decode(frame)
      raise ProtocolError, "reply of #{frame.bytesize} bytes is over the #{MAX_FRAME} limit" if frame.bytesize > MAX_FRAME

      message = MessagePack.unpack(frame)
      unless message.is_a?(Array) && message.size == 4 && message[1].is_a?(Integer) &&
             message[2].is_a?(String) && message[3].is_a?(Hash)
        raise ProtocolError, "reply from #{@url} is not [version, id, status, body]: #{message.inspect[0, 200]}"
      end

      message
    rescue MessagePack::UnpackError, EOFError => e
      raise ProtocolError, "undecodable reply from #{@url}: #{e.message}"
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
