// Encoding of ops and jobs for the journal and snapshots: compact msgpack
// arrays, versioned (kOpFormatVersion). Decoding never trusts its input: a
// wrong type, a missing field or trailing garbage is an error naming the
// place, never a crash.
#pragma once

#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "core/model/status.hpp"
#include "core/state/op.hpp"

namespace desaster {

std::string encode_op(const Op& op);
Result<Op> decode_op(std::string_view bytes);
// The op's name as the codec's errors and `desasterctl watch` print it ("enqueue").
std::string_view op_name(const Op& op);

// Jobs in storage form (array), used inside ops and snapshots.
void pack_job(msgpack::packer<msgpack::sbuffer>& pk, const Job& job);
Status unpack_job(const msgpack::object& obj, Job& out);

}  // namespace desaster
