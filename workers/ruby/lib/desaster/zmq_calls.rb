# frozen_string_literal: true

require "ffi-rzmq"

module Desaster
  # libzmq's calls that never block (DONTWAIT sends and receives, message
  # accessors), bound again without ffi-rzmq's `blocking: true`: that flag
  # releases Ruby's global VM lock around every call, so with many threads
  # sharing a connection each of the half-dozen calls per reply handed the
  # lock to another thread and waited to get it back. zmq_poll, which does
  # wait, stays ffi-rzmq's (LibZMQ.zmq_poll) and lets other threads run.
  module ZmqCalls
    extend FFI::Library

    # The very library ffi-rzmq loaded: its sockets are passed in here.
    ffi_lib_flags :now, :global
    ffi_lib LibZMQ.ffi_libraries.map(&:name)

    attach_function :zmq_send, %i[pointer pointer size_t int], :int
    attach_function :zmq_msg_init, [:pointer], :int
    attach_function :zmq_msg_recv, %i[pointer pointer int], :int
    attach_function :zmq_msg_data, [:pointer], :pointer
    attach_function :zmq_msg_size, [:pointer], :size_t
    attach_function :zmq_msg_more, [:pointer], :int
    attach_function :zmq_msg_close, [:pointer], :int
  end
end
