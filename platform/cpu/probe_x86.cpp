// The CPU probe for x86 and x86-64 targets (chosen by platform/CMakeLists.txt): cpuid leaf 1, ECX.
#if !defined(__x86_64__) && !defined(__i386__)
#error "probe_x86.cpp is for x86 targets; platform/CMakeLists.txt chose the wrong probe"
#endif

#include <cpuid.h>

#include "platform/cpu/cpu_features.hpp"

namespace portico::platform {

CpuFeatures probe_cpu() {
  unsigned int eax = 0;
  unsigned int ebx = 0;
  unsigned int ecx = 0;
  unsigned int edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return {};
  return {.aes = (ecx & bit_AES) != 0, .clmul = (ecx & bit_PCLMUL) != 0};
}

std::string_view compiled_arch() { return sizeof(void*) == 8 ? "x86_64" : "i686"; }

}  // namespace portico::platform
