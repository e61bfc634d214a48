# frozen_string_literal: true

require "ffi-rzmq"
require "msgpack"
require "desaster/dealer"
require "desaster/errors"

module Desaster
  # One DEALER to a node's client port speaking the client protocol
  # (PROTOCOL.md): request [1, id, type, body] -> reply [1, id, status,
  # body], shared by every thread of the process. Each call gets its own id
  # and waits for the reply with that id, so calls from many threads are on
  # the socket together and the node writes their jobs in one group commit.
  #
  # Threads: a ZeroMQ socket may be used by one thread at a time. The thread
  # of the first call that finds nobody reading becomes the reader: it sends
  # what the others queued, receives, and hands each reply to its caller;
  # the others wait on a condition variable (and wake the reader through a
  # pipe when they queue a call). When its own reply came, the reader leaves
  # and a waiting caller takes over. No thread of our own; safe across fork
  # (a child opens its own context and socket).
  #
  # Resends: when the node closes the connection with calls unanswered (a
  # hot upgrade's old process stops reading, answers what it read and hands
  # over; a node stopping), each is sent again with its id once the
  # connection is back, up to MAX_RESENDS times, as the C++ client does
  # (connection.hpp); the node
  # drops an id it already read on a connection (resend_filter.hpp), which
  # remembers RESEND_WINDOW ids: no more calls than that are on the socket.
  #
  # Three failures read differently: ConnectionRefusedError (nothing listens)
  # and KeyRefusedError (another group key) within a fraction of a second,
  # TimeoutError when the node does not answer within the timeout;
  # ConnectionLostError when it closed the connection MAX_RESENDS + 1 times
  # before answering.
  class Connection
    PROTOCOL_VERSION = 1
    MAX_FRAME = 16 << 20
    MAX_RESENDS = 3
    RESEND_WINDOW = 64
    # Status names of error replies; a frame with id 0 and one of these is the
    # node saying it could not read our request's id (push types differ).
    ERROR_CODES = %w[bad_request not_found conflict unavailable io_error corrupt internal].freeze

    # One request: sent (in @sent) or queued (in @outbox) until done.
    # disconnects: the watch's count when it was last sent. wakeup: its
    # thread's condition variable, signalled when it is done or may read.
    Call = Struct.new(:id, :type, :frame, :timeout, :deadline, :done, :body, :error, :disconnects, :resends,
                      :wakeup)

    attr_reader :url

    def initialize(url:, timeout:, key: nil)
      @url = url
      @timeout = timeout
      @key = key
      @mutex = Mutex.new
      @reader_left = ConditionVariable.new # for close
      @next_id = 0
      @pid = nil
      # One packer and one unpacker for the connection's life, used under
      # the mutex: MessagePack.pack/unpack make a new one per call (about
      # 4 us of a request's Ruby time).
      @packer = MessagePack::DefaultFactory.packer
      @unpacker = MessagePack::DefaultFactory.unpacker
    end

    # The reply body (a Hash) of one request; raises RequestError when the
    # node answers with an error, TimeoutError when it does not answer.
    def request(type, body = {}, timeout: @timeout)
      @mutex.synchronize do
        open if @pid != Process.pid || @dealer.nil? # first use, fork, or after close
        id = (@next_id += 1)
        call = Call.new(id, type, encode(id, type, body), timeout,
                        now + timeout, false, nil, nil, 0, 0, (Thread.current[:desaster_wakeup] ||= ConditionVariable.new))
        @outbox << call
        await(call)
      end
    end

    # The calls on the socket now: [[type, resends], ...] in id order.
    def in_flight
      @mutex.synchronize { (@sent || {}).values.sort_by(&:id).map { |c| [c.type, c.resends] } }
    end

    # Closes the socket and ends its context here rather than in ffi-rzmq's
    # GC finalizer, whose zmq_ctx_term would block for good if it ran before
    # the socket's own finalizer (finalizers run in any order). A Client
    # dropped without close still leaves that to GC: close what you open.
    # Calls of other threads still waiting fail with an Error.
    def close
      @mutex.synchronize do
        next unless @pid == Process.pid

        fail_all(Error.new("the connection to #{@url} was closed"))
        while @reader
          wake_reader
          @reader_left.wait(@mutex, 0.1)
        end
        close_dealer
        @context&.terminate
        @context = nil
        @wake_r&.close
        @wake_w&.close
        @wake_r = @wake_w = nil
        @pid = nil
      end
    end

    private

    # Sets up the context, the wake pipe and the socket (first use, fork).
    # After fork the parent's context, socket, pipe and calls belong to the
    # parent: leave them be.
    def open
      close_dealer if @pid == Process.pid
      unless @pid == Process.pid && @context
        @context = ZMQ::Context.new
        @wake_r, @wake_w = IO.pipe
        @sent = {}
        @outbox = []
        @reader = false
        @woken = false
      end
      @pid = Process.pid
      @dealer = Dealer.new(@context, @url, @key, @wake_r.fileno)
    end

    def close_dealer
      @dealer&.close
      @dealer = nil
    end

    # Drops the socket with whatever sits in it (a request there must not
    # reach the node after its caller was told it failed) and connects
    # afresh. Only while nobody reads: the reader owns the socket.
    def reopen
      close_dealer
      @dealer = Dealer.new(@context, @url, @key, @wake_r.fileno)
    end

    # Holds the mutex, except while it reads: returns the reply body or raises.
    def await(call)
      until call.done
        if @reader
          wake_reader
          left = call.deadline - now
          give_up(call, reader: false) if left <= 0
          call.wakeup.wait(@mutex, left)
        else
          read_for(call)
        end
      end
      raise call.error if call.error

      call.body
    ensure
      # Raised here (or Thread#raise): nobody waits for the reply any more.
      @sent.delete(call.id)
      @outbox.delete(call)
    end

    def wake_reader
      return if @woken

      @woken = true
      @wake_w.write_nonblock("w", exception: false)
    end

    # This thread reads until call is done (or its deadline passed), serving
    # every other call meanwhile.
    def read_for(call)
      @reader = true
      until call.done
        left = call.deadline - now
        give_up(call, reader: true) if left <= 0
        sending = take_outbox
        dealer = @dealer
        # Replies to read this turn at most: a further receive would only
        # find the socket empty, a libzmq call with a syscall per request.
        # A frame left (a late reply, a push) makes the next poll return.
        expected = [@sent.size, 1].max
        @mutex.unlock
        begin
          unsent = sending.reject { |c| dealer.send_frame(c.frame) }
          # Every turn polls (at once when calls wait to be sent), so the
          # watch is read under load too; ZeroMQ's poll is level triggered.
          socket_ready, watch_ready = dealer.poll(@woken ? 0 : left)
          verdict = dealer.watch.drain if watch_ready
          frames = []
          while socket_ready && frames.size < expected && (frame = dealer.receive_frame)
            frames << frame
          end
        ensure
          @mutex.lock
        end
        unsent.each { |c| finish(c, error: Error.new("cannot send #{c.type} to #{@url}: #{ZMQ::Util.error_string}")) }
        frames.each { |frame| route(frame) }
        refused(verdict) if verdict
        resend_dropped
      end
    ensure
      @sent.delete(call.id) # when raised: so the next reader is another caller
      @outbox.delete(call)
      @reader = false
      @reader_left.broadcast
      # One waiting caller takes over (signalling them all would wake every
      # thread for each reply).
      (@outbox.first || @sent.each_value.first)&.wakeup&.signal
    end

    # Queued calls to send now, within the window; they count as sent.
    def take_outbox
      if @woken
        @wake_r.read_nonblock(64, exception: false)
        @woken = false
      end
      room = RESEND_WINDOW - @sent.size
      return [] if room <= 0 || @outbox.empty?

      sending = @outbox.shift(room)
      disconnects = @dealer.watch.disconnects
      sending.each do |c|
        c.disconnects = disconnects
        @sent[c.id] = c
      end
      sending
    end

    # Calls the node closed the connection on are sent again, in id order,
    # up to MAX_RESENDS times, once ZeroMQ has connected again and the
    # handshake is done: by then every reply the old connection carried has
    # been read (ZeroMQ reconnects 100 ms later at the soonest), so none is
    # taken for lost while it was only late.
    def resend_dropped
      watch = @dealer.watch
      dropped = @sent.values.select { |c| c.disconnects < watch.disconnects }
      return if dropped.empty?

      lost, again = dropped.partition { |c| c.resends >= MAX_RESENDS }
      lost.each do |c|
        finish(c, error: ConnectionLostError.new(
          "#{@url} closed the connection #{c.resends + 1} times before answering #{c.type}; the " \
          "node is restarting or upgrading again and again, or stopped: try again"
        ))
      end
      return unless watch.up?

      again.each do |c|
        c.resends += 1
        @sent.delete(c.id)
      end
      @outbox.unshift(*again.sort_by(&:id))
    end

    # The caller gives up at its deadline. The reader starts clean when no
    # other call waits: its request may still sit in the socket.
    def give_up(call, reader:)
      @sent.delete(call.id)
      @outbox.delete(call)
      connected = @dealer&.watch&.ever_connected?
      reopen if reader && @sent.empty? && @outbox.empty?
      raise TimeoutError, timeout_message(call.type, call.timeout, connected)
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

    # The watch saw the connection or the handshake refused: every call fails.
    def refused(verdict)
      kind, reason = verdict
      error = if kind == :nothing_listens
                ConnectionRefusedError.new("cannot connect to #{@url}: #{reason}; is the node running, and on " \
                                           "this port? (Desaster.ensure_daemon! starts one)")
              else
                KeyRefusedError.new("#{@url} refused this client: #{reason}. Is the group key the node's? " \
                                    "(DESASTER_KEY or Desaster.config.key)")
              end
      fail_all(error)
      reopen
    end

    def fail_all(error)
      (@sent.values + @outbox).each { |c| finish(c, error: error) }
    end

    def finish(call, body: nil, error: nil)
      @sent.delete(call.id)
      @outbox.delete(call)
      call.body = body
      call.error = error
      call.done = true
      call.wakeup.signal
    end

    # Hands a reply to its call; a late reply to an abandoned call (and a
    # push) is dropped. An id 0 error is the node failing to read a request's
    # id: the oldest call's, as the node reads them in order.
    def route(frame)
      version, reply_id, status, body = decode(frame)
      unless version == PROTOCOL_VERSION
        return fail_all(ProtocolError.new("the node speaks protocol #{version}, this client #{PROTOCOL_VERSION}"))
      end

      # A call queued to be sent again may still get the first copy's reply.
      call = @sent[reply_id] || @outbox.find { |c| c.id == reply_id && c.resends.positive? }
      call ||= @sent.values.min_by(&:id) if reply_id.zero? && ERROR_CODES.include?(status)
      return unless call

      if status == "ok"
        finish(call, body: body)
      else
        finish(call, error: RequestError.new(status, body["message"].to_s))
      end
    rescue ProtocolError => e
      fail_all(e)
    end

    def encode(id, type, body)
      @packer.write_array_header(4).write(PROTOCOL_VERSION).write(id).write(type).write(body)
      @packer.to_s
    ensure
      @packer.clear
    end

    def decode(frame)
      raise ProtocolError, "reply of #{frame.bytesize} bytes is over the #{MAX_FRAME} limit" if frame.bytesize > MAX_FRAME

      @unpacker.reset
      @unpacker.feed(frame)
      message = @unpacker.read
      # One frame is one message: trailing bytes are not another reply.
      raise ProtocolError, "reply from #{@url} has bytes after its message" unless @unpacker.buffer.empty?
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
