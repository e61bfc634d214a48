// Ruby jobs for the test app in tests/integration/ruby_apps/jobs.rb: a job
// spec whose payload is its arguments as a msgpack array.
#pragma once

#include <string>

#include <msgpack.hpp>

#include "transport/client/client.hpp"

namespace desaster::test {

// The test apps' directory. Not from __FILE__: a compiler cache may rewrite
// it relative to the build directory.
inline const std::string kRubyAppsDir =
    std::string(DESASTER_SOURCE_DIR) + "/tests/integration/ruby_apps";

template <typename... Args>
protocol::JobSpec ruby_job(std::string job_class, const Args&... args) {
  protocol::JobSpec spec;
  spec.queue = "rb";
  spec.kind = JobKind::ruby;
  spec.job_class = std::move(job_class);
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(sizeof...(Args));
  (pk.pack(args), ...);
  spec.payload.assign(buffer.data(), buffer.size());
  return spec;
}

}  // namespace desaster::test
