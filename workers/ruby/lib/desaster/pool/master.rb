# frozen_string_literal: true

require "socket"
require "desaster/error_info"
require "desaster/hooks"
require "desaster/pool/app_loader"
require "desaster/pool/control_channel"
require "desaster/pool/worker"

module Desaster
  module Pool
    # The pool master: loads the application once, then forks a worker for
    # each `spawn` the node sends and reports every child it reaps. It never
    # talks to workers; the node supervises them over their own channels.
    class Master
      def initialize(options, log:)
        @options = options
        @log = log
        @children = {} # pid => slot
        @stopping = false
      end

      # Returns the process's exit status.
      def run
        @control = ControlChannel.new(UNIXSocket.for_fd(@options.control_fd))
        return 1 unless load_app

        @control.send_message("t" => "loaded", "pid" => Process.pid)
        serve
      ensure
        @control&.close
      end

      private

      def load_app
        @rack_app = AppLoader.load(@options)
        compact_for_copy_on_write
        true
      rescue Exception => e # rubocop:disable Lint/RescueException -- SyntaxError and LoadError are the usual ones
        @log.call("loading failed: #{e.class}: #{e.message}")
        @control.send_message("t" => "load_failed", "error" => ErrorInfo.from(e))
        false
      end

      # Objects that survive loading are packed together once, so workers
      # dirty fewer shared pages when the GC later marks them.
      def compact_for_copy_on_write
        GC.start
        GC.compact if GC.respond_to?(:compact)
      rescue NotImplementedError
        nil
      end

      def serve
        @wake_r, @wake_w = IO.pipe
        Signal.trap("CHLD") { @wake_w.write_nonblock(".", exception: false) }
        loop do
          readable, = IO.select([@control.to_io, @wake_r])
          if readable.include?(@wake_r)
            @wake_r.read_nonblock(4096, exception: false)
            reap
          end
          return node_gone if readable.include?(@control.to_io) && !receive
          return 0 if @stopping && @children.empty?
        end
      ensure
        Signal.trap("CHLD", "DEFAULT")
      end

      # false when the node closed the control socket.
      def receive
        received = @control.receive
        return false if received.nil?

        if received.problem
          refuse(received, received.problem)
        else
          handle(received)
        end
        true
      end

      def handle(received)
        message = received.message
        case message["t"]
        when "spawn" then spawn_worker(received)
        when "stop"
          received.ios.each(&:close)
          @stopping = true
        else refuse(received, "unknown control message type #{message['t'].inspect} (expected spawn or stop)")
        end
      end

      def spawn_worker(received)
        slot = received.message["slot"]
        return refuse(received, "spawn field 'slot' must be an integer, not #{slot.class}") unless slot.is_a?(Integer)
        return refuse(received, "spawn must carry exactly one fd, not #{received.ios.size}") unless received.ios.size == 1
        return refuse(received, "spawn after stop") if @stopping

        channel = received.ios.first
        pid = fork_worker(channel, slot)
        channel.close
        return unless pid

        @children[pid] = slot
        @control.send_message("t" => "spawned", "slot" => slot, "pid" => pid)
      end

      # nil when the system refuses the fork (out of processes or memory): the
      # node sees the channel close unanswered and retries with its backoff.
      def fork_worker(channel, slot)
        fork { run_worker(channel, slot) }
      rescue SystemCallError => e
        @log.call("cannot fork a worker for slot #{slot}: #{e.message}")
        nil
      end

      def run_worker(channel, slot)
        Signal.trap("CHLD", "DEFAULT")
        [@wake_r, @wake_w, @control].each(&:close)
        Process.setproctitle("desaster-pool #{@options.name} worker #{slot}")
        log = ->(text) { @log.call("worker #{slot}: #{text}") }
        status = after_fork(slot, log) && Worker.new(channel, rack_app: @rack_app, log: log).run
        $stdout.flush
        $stderr.flush
        # exit! skips at_exit handlers inherited from the master's application.
        exit!(status)
      end

      # A worker whose after_fork hook raised cannot be trusted to serve:
      # it exits 70 (EX_SOFTWARE) with the error in the log.
      def after_fork(slot, log)
        Desaster.run_after_fork_hooks(slot)
        true
      rescue Exception => e # rubocop:disable Lint/RescueException
        log.call("after_fork hook failed: #{e.class}: #{e.message} (#{Array(e.backtrace).first})")
        $stderr.flush
        exit!(70)
      end

      # Malformed control messages are logged and dropped with their fds: the
      # master keeps serving, so a bad message cannot start a crash loop.
      def refuse(received, problem)
        received.ios.each(&:close)
        @log.call("ignored a control message: #{problem}")
      end

      def reap
        loop do
          pid, status = Process.wait2(-1, Process::WNOHANG)
          return if pid.nil?

          @children.delete(pid)
          @control.send_message("t" => "exited", "pid" => pid, "status" => status.exitstatus,
                                "signal" => status.termsig)
        end
      rescue Errno::ECHILD
        nil
      end

      # The node died: its worker channels are gone too, so stop the workers
      # rather than leave them running jobs whose leases will expire anyway.
      def node_gone
        @children.each_key do |pid|
          Process.kill("TERM", pid)
        rescue Errno::ESRCH
          nil
        end
        0
      end
    end
  end
end
