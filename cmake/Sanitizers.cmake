if(PORTICO_SANITIZE)
  # PORTICO_SANITIZE_LINK_FLAGS: also what a program linking the installed library needs (cmake/LibraryInstall.cmake).
  set(PORTICO_SANITIZE_LINK_FLAGS -fsanitize=address,undefined)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(${PORTICO_SANITIZE_LINK_FLAGS})
endif()
