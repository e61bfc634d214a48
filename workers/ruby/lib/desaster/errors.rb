# frozen_string_literal: true

module Desaster
  class Error < StandardError; end

  # No reply within the timeout: the node accepted the connection but did not
  # answer in time (busy or stopped), or the host never answered at all.
  class TimeoutError < Error; end

  # The node closed the connection before answering, again after each of
  # Connection::MAX_RESENDS resends of the request.
  class ConnectionLostError < Error; end

  # Nothing accepts connections at the URL (connection refused): no node runs
  # there, or on another port. Raised within a fraction of a second.
  class ConnectionRefusedError < Error; end

  # The node refused this client's CURVE handshake: it has another group key.
  # Raised within a fraction of a second.
  class KeyRefusedError < Error; end

  # Options or arguments the client refuses before anything is sent.
  class ArgumentError < ::ArgumentError; end

  # The node answered with an error; `code` is the protocol's error code
  # name (bad_request, not_found, conflict, unavailable, io_error, corrupt,
  # internal) and the message says what was wrong.
  class RequestError < Error
    attr_reader :code

    def initialize(code, message)
      @code = code
      super("#{code}: #{message}")
    end
  end

  # The node's reply could not be read: a protocol mismatch, not a node error.
  class ProtocolError < Error; end
end
