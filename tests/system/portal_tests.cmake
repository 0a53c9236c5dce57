# Relay and portal system tests: each is a script given the portico binary. They start real hub, outlet and inlet
# processes, real servers and clients on 127.0.0.1 (helpers in portal_lib.sh and portal_load.py), and clean up
# after themselves. Timeouts are generous for the asan preset; in the default preset all of them together take
# well under the sum.
set(PORTICO_PORTAL_TESTS
  portal_http 60
  portal_bulk 600
  portal_concurrent 180
  portal_slow_reader 180
  portal_hub_restart 120
  portal_peer_restart 90
  portal_paused_inlet 120
  portal_greedy_member 240
  portal_half_close 120
  portal_config 180
  rendezvous 120
  direct_path 300
)
while(PORTICO_PORTAL_TESTS)
  list(POP_FRONT PORTICO_PORTAL_TESTS portal_test portal_timeout)
  add_test(NAME ${portal_test} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/system/${portal_test}_test.sh ${PORTICO_AGENT_UNDER_TEST})
  set_tests_properties(${portal_test} PROPERTIES LABELS system TIMEOUT ${portal_timeout})
endwhile()
# Under qemu-user every byte is sealed and opened six times by emulated code (two channel layers): 1 GiB each way
# would outlast the timeout, so the cross presets send 128 MiB each way through the same one stream; under ASan
# (which checks memory, not speed) 256 MiB, to keep CI within its budget. Natively: 1 GiB.
# The slow-reader test's fast stream likewise carries 20 MB under qemu (200 MB natively).
if(CMAKE_CROSSCOMPILING_EMULATOR)
  set_tests_properties(portal_bulk PROPERTIES ENVIRONMENT BULK_BYTES=134217728)
  set_tests_properties(portal_slow_reader PROPERTIES ENVIRONMENT SLOW_BYTES=20000000)
elseif(PORTICO_SANITIZE)
  set_tests_properties(portal_bulk PROPERTIES ENVIRONMENT BULK_BYTES=268435456)
endif()
# Both build the NAT lab's network namespaces (../shared/natlab/natlab.sh), which have fixed names: one at a time.
set_tests_properties(rendezvous direct_path PROPERTIES RESOURCE_LOCK natlab)
