// CRC-32C (Castagnoli) as used by every checksum of the journal. The public
// entry point, crc32c(), is declared in record_codec.hpp and picks the
// SSE4.2 instruction when the CPU has it; the portable slice-by-8 version is
// exposed here so tests can check that both paths agree.
#pragma once

#include <cstddef>
#include <cstdint>

namespace desaster::detail {

// Same contract as crc32c(): seed is the CRC of the bytes before data, so
// crc32c(b, crc32c(a)) == crc32c(a + b).
std::uint32_t crc32c_portable(const void* data, std::size_t size, std::uint32_t seed);

// True when crc32c() runs on the CPU's crc32 instruction.
bool crc32c_hardware_available();

}  // namespace desaster::detail
