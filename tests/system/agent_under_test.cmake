# PORTICO_AGENT_UNDER_TEST: the portico the shell system tests run. Natively, the binary itself. In a cross build
# (CMAKE_CROSSCOMPILING_EMULATOR set by the toolchain file) a small script that runs it under that emulator
# (qemu-user), so the same tests, with native servers and clients around them, check the cross-built agent.
if(CMAKE_CROSSCOMPILING_EMULATOR)
  list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " _portico_emulator)
  set(PORTICO_AGENT_UNDER_TEST ${CMAKE_CURRENT_BINARY_DIR}/portico-under-emulator)
  file(GENERATE OUTPUT ${PORTICO_AGENT_UNDER_TEST}
    CONTENT "#!/bin/sh\n# portico under ${_portico_emulator}, for the shell system tests.\nexec ${_portico_emulator} $<TARGET_FILE:portico> \"$@\"\n"
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
else()
  set(PORTICO_AGENT_UNDER_TEST $<TARGET_FILE:portico>)
endif()
