# Chooses the BLAS behind matmul (see cpp/src/cpu/blas.cpp, the only caller).
#   scipy-openblas: the PyPI package scipy-openblas32 (what the wheel uses; NumPy's own OpenBLAS build)
#   cblas:          a system BLAS with the CBLAS interface (e.g. Debian's libopenblas-dev)
#   none:           built-in loops
set(FASTGRAD_BLAS_RPATH_LINK "")
set(_fg_blas ${FASTGRAD_BLAS})

if(_fg_blas STREQUAL "auto" OR _fg_blas STREQUAL "scipy-openblas")
  find_package(Python 3.9 COMPONENTS Interpreter QUIET)
  if(Python_Interpreter_FOUND)
    execute_process(
      COMMAND ${Python_EXECUTABLE} -c "import scipy_openblas32 as s; print(s.get_lib_dir())"
      OUTPUT_VARIABLE _fg_openblas_libdir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _fg_rc ERROR_QUIET)
  endif()
  if(Python_Interpreter_FOUND AND _fg_rc EQUAL 0 AND EXISTS "${_fg_openblas_libdir}")
    find_library(FASTGRAD_OPENBLAS_LIBRARY NAMES scipy_openblas PATHS ${_fg_openblas_libdir} NO_DEFAULT_PATH)
  endif()
  if(FASTGRAD_OPENBLAS_LIBRARY)
    set(_fg_blas scipy-openblas)
  elseif(_fg_blas STREQUAL "scipy-openblas")
    message(FATAL_ERROR "FASTGRAD_BLAS=scipy-openblas but the Python package scipy-openblas32 was not found")
  else()
    set(_fg_blas cblas)
  endif()
endif()

if(_fg_blas STREQUAL "cblas")
  find_library(FASTGRAD_CBLAS_LIBRARY NAMES openblas cblas blas)
  if(FASTGRAD_CBLAS_LIBRARY)
    target_link_libraries(fastgrad PRIVATE ${FASTGRAD_CBLAS_LIBRARY})
    target_compile_definitions(fastgrad PRIVATE FASTGRAD_BLAS_CBLAS)
  elseif(FASTGRAD_BLAS STREQUAL "cblas")
    message(FATAL_ERROR "FASTGRAD_BLAS=cblas but no CBLAS library was found")
  else()
    set(_fg_blas none)
  endif()
elseif(_fg_blas STREQUAL "scipy-openblas")
  target_link_libraries(fastgrad PRIVATE ${FASTGRAD_OPENBLAS_LIBRARY})
  target_compile_definitions(fastgrad PRIVATE FASTGRAD_BLAS_SCIPY_OPENBLAS)
  # In the wheel: site-packages/fastgrad/lib/libfastgrad.so -> site-packages/scipy_openblas32/lib. The
  # absolute path keeps build trees, editable installs and `cmake --install` prefixes working. A wheel gets
  # the relative path only: pip's isolated build env (/tmp/pip-build-env-*) is gone once the wheel is built,
  # and a stale /tmp path in RUNPATH is a place anyone could drop a library into.
  if(SKBUILD_STATE STREQUAL "wheel")
    set(_fg_blas_rpath "$ORIGIN/../../scipy_openblas32/lib")
  else()
    set(_fg_blas_rpath "$ORIGIN/../../scipy_openblas32/lib;${_fg_openblas_libdir}")
    set(FASTGRAD_BLAS_RPATH_LINK "${_fg_openblas_libdir}")
  endif()
  set_target_properties(fastgrad PROPERTIES
    BUILD_RPATH "${_fg_openblas_libdir}"
    INSTALL_RPATH "${_fg_blas_rpath}")
endif()
message(STATUS "fastgrad: BLAS = ${_fg_blas}")
