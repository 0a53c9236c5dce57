// The CPU probe for targets we have no probe for (RISC-V, MIPS, ...): no AES hardware is assumed, so the
// cipher preference stays ChaCha20-Poly1305, which is fast in software everywhere.

#include "platform/cpu/cpu_features.hpp"

#ifndef PORTICO_PLATFORM_PROCESSOR
#define PORTICO_PLATFORM_PROCESSOR "unknown"
#endif

namespace portico::platform {

CpuFeatures probe_cpu() { return {}; }

std::string_view compiled_arch() { return PORTICO_PLATFORM_PROCESSOR; }

}  // namespace portico::platform
