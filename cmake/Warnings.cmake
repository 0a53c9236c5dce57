# Warnings are on for everything we compile, and clean: new code does not add any.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                    -Woverloaded-virtual -Wconversion -Wsign-conversion -Wformat=2)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false positives inside asio's coroutine machinery with these two.
  add_compile_options(-Wno-mismatched-new-delete -Wno-maybe-uninitialized)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  # 32-bit ARM: a note that GCC 7.1 changed how some std::vector iterators are passed, about every asio timer.
  # All of the binary is built by one compiler, so there is nothing to mix up.
  add_compile_options(-Wno-psabi)
endif()
