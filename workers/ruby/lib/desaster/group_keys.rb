# frozen_string_literal: true

require "ffi"

module Desaster
  # The CURVE keys of a group, derived from its group key exactly as the node
  # does (transport/security/group_keys.cpp): Argon2id (t = 2, 32 MiB, salt =
  # BLAKE2b-128 of a fixed string) gives a master key; libsodium's KDF
  # (context "dstrkeys") gives subkey 2, the seed of the nodes' server
  # keypair, and subkey 3, the seed of the clients' keypair. libsodium is
  # reached over FFI: it is already on the machine as libzmq's dependency.
  module GroupKeys
    DEFAULT = "default"
    SALT_SOURCE = "desaster group key salt v1"
    KDF_CONTEXT = "dstrkeys"
    SERVER_SUBKEY = 2
    CLIENT_SUBKEY = 3
    OPS_LIMIT = 2
    MEM_LIMIT = 32 << 20
    KEY_BYTES = 32
    SALT_BYTES = 16

    Keys = Struct.new(:server_public, :client_public, :client_secret)

    # Ruby's side of the few libsodium calls the derivation needs.
    module Sodium
      extend FFI::Library
      ffi_lib ["sodium", "libsodium.so.23"]
      attach_function :sodium_init, [], :int
      attach_function :crypto_generichash, %i[pointer size_t pointer ulong_long pointer size_t], :int
      attach_function :crypto_pwhash,
                      %i[pointer ulong_long pointer ulong_long pointer ulong_long size_t int], :int
      attach_function :crypto_pwhash_alg_argon2id13, [], :int
      attach_function :crypto_kdf_derive_from_key, %i[pointer size_t uint64 pointer pointer], :int
      attach_function :crypto_box_seed_keypair, %i[pointer pointer pointer], :int
    end

    @cache = {}
    @mutex = Mutex.new

    # Derivation takes a fraction of a second, so each key is derived once
    # per process.
    def self.for(group_key)
      key = group_key.to_s.empty? ? DEFAULT : group_key.to_s
      @mutex.synchronize { @cache[key] ||= derive(key) }
    end

    def self.derive(group_key)
      raise Error, "libsodium failed to start" if Sodium.sodium_init.negative?

      master = argon2id(group_key.b, blake2b(SALT_SOURCE.b, SALT_BYTES))
      server_public, = keypair(subkey(master, SERVER_SUBKEY))
      client_public, client_secret = keypair(subkey(master, CLIENT_SUBKEY))
      Keys.new(server_public, client_public, client_secret)
    end

    def self.blake2b(bytes, size)
      out = FFI::MemoryPointer.new(:uchar, size)
      Sodium.crypto_generichash(out, size, bytes, bytes.bytesize, nil, 0)
      out.read_bytes(size)
    end

    def self.argon2id(password, salt)
      out = FFI::MemoryPointer.new(:uchar, KEY_BYTES)
      rc = Sodium.crypto_pwhash(out, KEY_BYTES, password, password.bytesize, salt, OPS_LIMIT,
                                MEM_LIMIT, Sodium.crypto_pwhash_alg_argon2id13)
      raise Error, "group key derivation failed (Argon2id could not allocate 32 MiB)" unless rc.zero?

      out.read_bytes(KEY_BYTES)
    end

    def self.subkey(master, id)
      out = FFI::MemoryPointer.new(:uchar, KEY_BYTES)
      Sodium.crypto_kdf_derive_from_key(out, KEY_BYTES, id, KDF_CONTEXT, master)
      out.read_bytes(KEY_BYTES)
    end

    def self.keypair(seed)
      public_key = FFI::MemoryPointer.new(:uchar, KEY_BYTES)
      secret_key = FFI::MemoryPointer.new(:uchar, KEY_BYTES)
      Sodium.crypto_box_seed_keypair(public_key, secret_key, seed)
      [public_key.read_bytes(KEY_BYTES), secret_key.read_bytes(KEY_BYTES)]
    end

    private_class_method :derive, :blake2b, :argon2id, :subkey, :keypair
  end
end
