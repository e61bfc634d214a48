// Fuzzes the Ruby pool channels' decoders (workers/ruby_pool/pool_frames.hpp):
// any bytes, cut into a stream at a point the input chooses, give frames or
// an error with a message, never a crash; every frame payload gives a worker
// message or an error; the same bytes as a control message give a master
// message or an error; as a job payload they give a job frame or an error
// (and through the local http splice, a frame or an error).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "workers/ruby_pool/pool_frames.hpp"

using namespace desaster;
using namespace desaster::ruby_pool;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto message_ok = [](const Status& s) { return s.ok() || !s.message.empty(); };

  if (!message_ok(decode_master_message(bytes).status())) std::abort();
  if (!message_ok(decode_worker_message(bytes).status())) std::abort();
  Job job;
  job.id = 1;
  job.job_class = "Fuzz";
  job.payload = std::string(bytes);
  for (JobKind kind : {JobKind::ruby, JobKind::http}) {
    job.kind = kind;
    Result<std::string> framed = encode_job_message(job);
    if (!message_ok(framed.status())) std::abort();
    if (framed.ok()) {
      FrameReader reader;
      if (!reader.feed(*framed).ok() || !reader.next() || reader.buffered() != 0) std::abort();
    }
  }

  // The local path's splice: a frame or an error, never a crash.
  Result<std::string> local = encode_local_http_message(1, bytes);
  if (!message_ok(local.status())) std::abort();
  if (local.ok()) {
    FrameReader frames;
    if (!frames.feed(*local).ok() || !frames.next() || frames.buffered() != 0) std::abort();
  }

  FrameReader reader;
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  for (std::string_view part : {bytes.substr(0, cut), bytes.substr(cut)}) {
    Status fed = reader.feed(part);
    if (!fed.ok()) {
      if (fed.message.empty()) std::abort();
      return 0;
    }
    while (auto payload = reader.next()) {
      Result<WorkerMessage> message = decode_worker_message(*payload);
      if (!message_ok(message.status())) std::abort();
    }
  }
  return 0;
}
