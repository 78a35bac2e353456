# Installs the build tree BUILD_DIR into a temporary prefix and builds and runs the program in
# PROGRAM_DIR against it, from a copy outside the source tree. Checks on the way that nothing
# installed points back into SOURCE_DIR or BUILD_DIR: the package files, the library's RPATH, the
# program's resolved libraries and (when strace works) the files the program opens while it
# compiles a kernel.
#
# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DPROGRAM_DIR=... [-DGENERATOR=...] [-DCXX_COMPILER=...]
#       [-DCONFIG=...] -P run_install_test.cmake
# Set TJ_KEEP_INSTALL_TEST=1 in the environment to keep the temporary directory.
cmake_minimum_required(VERSION 3.20)

foreach(var BUILD_DIR SOURCE_DIR PROGRAM_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run_install_test.cmake: -D${var}=... is required")
    endif()
endforeach()

# ---- a fresh temporary directory (cmake -P has no mkdtemp) ------------------------------------
if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
    set(tmp_base "$ENV{TMPDIR}")
else()
    set(tmp_base "/tmp")
endif()
string(TIMESTAMP stamp "%Y%m%d%H%M%S")
foreach(attempt RANGE 10)
    string(RANDOM LENGTH 8 ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789" suffix)
    set(work "${tmp_base}/tj_install_test_${stamp}_${suffix}")
    if(NOT EXISTS "${work}")
        break()
    endif()
endforeach()
file(MAKE_DIRECTORY "${work}")
set(prefix "${work}/prefix")
set(program_src "${work}/outside_program")
set(program_build "${work}/build")
set(cache "${work}/cache")
message(STATUS "install test directory: ${work}")

function(fail)
    string(JOIN "" text ${ARGN})
    message(FATAL_ERROR "install test: ${text}\n(the temporary directory ${work} is kept)")
endfunction()

# Runs a command; fails the test with its output when it does not exit with 0.
function(run what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        string(JOIN " " command ${ARGN})
        fail("${what} failed (${rc}):\n  ${command}\n${out}")
    endif()
    set(run_output "${out}" PARENT_SCOPE)
endfunction()

# Fails when a file's text mentions the source or the build tree.
function(check_no_tree_paths file)
    file(READ "${file}" text)
    foreach(tree "${SOURCE_DIR}" "${BUILD_DIR}")
        string(FIND "${text}" "${tree}" at)
        if(NOT at EQUAL -1)
            fail("${file} refers to ${tree}; an installed package must not")
        endif()
    endforeach()
endfunction()

# ---- install ---------------------------------------------------------------------------------
set(config_args)
if(CONFIG)
    set(config_args --config ${CONFIG})
endif()
run("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

file(GLOB_RECURSE package_files "${prefix}/*/cmake/tensorjit/*.cmake")
if(NOT package_files)
    fail("no CMake package files were installed under ${prefix}")
endif()
file(GLOB_RECURSE headers "${prefix}/include/tensorjit/*")
if(NOT EXISTS "${prefix}/include/tensorjit/tensorjit.hpp")
    fail("include/tensorjit/tensorjit.hpp was not installed")
endif()
foreach(f ${package_files} ${headers})
    check_no_tree_paths("${f}")
endforeach()

file(GLOB libraries "${prefix}/lib/libtensorjit.so.*" "${prefix}/lib64/libtensorjit.so.*"
     "${prefix}/lib/*/libtensorjit.so.*")
list(FILTER libraries EXCLUDE REGEX "\\.so\\.[0-9]+$")
list(LENGTH libraries n)
if(NOT n EQUAL 1)
    fail("expected one installed libtensorjit.so.<version>, found: ${libraries}")
endif()
find_program(READELF readelf)
find_program(LDD ldd)
if(READELF)
    run("readelf" ${READELF} -d "${libraries}")
    string(REGEX MATCH "R(UN)?PATH\\)[^\n]*" rpath "${run_output}")
    message(STATUS "installed library: ${rpath}")
    foreach(tree "${SOURCE_DIR}" "${BUILD_DIR}")
        string(FIND "${rpath}" "${tree}" at)
        if(NOT at EQUAL -1)
            fail("the installed library's RPATH points into ${tree}: ${rpath}")
        endif()
    endforeach()
endif()
if(LDD)
    # Every dependency (libclang-cpp, libLLVM, spdlog, ...) must resolve from the installed file.
    run("ldd of the installed library" ${LDD} "${libraries}")
    if(run_output MATCHES "not found")
        fail("the installed library has unresolved dependencies:\n${run_output}")
    endif()
endif()

# ---- the installed cache CLI starts from the install tree (its RUNPATH finds libtensorjit) ------
set(cli "${prefix}/bin/tensorjit-cache")
if(NOT EXISTS "${cli}")
    fail("bin/tensorjit-cache was not installed")
endif()
if(READELF)
    run("readelf of the installed tensorjit-cache" ${READELF} -d "${cli}")
    string(REGEX MATCH "R(UN)?PATH\\)[^\n]*" cli_rpath "${run_output}")
    message(STATUS "installed tensorjit-cache: ${cli_rpath}")
    string(FIND "${cli_rpath}" "$ORIGIN" at)
    if(at EQUAL -1)
        fail("the installed tensorjit-cache has no $ORIGIN-relative RUNPATH: ${cli_rpath}")
    endif()
    foreach(tree "${SOURCE_DIR}" "${BUILD_DIR}")
        string(FIND "${cli_rpath}" "${tree}" at)
        if(NOT at EQUAL -1)
            fail("the installed tensorjit-cache's RPATH points into ${tree}: ${cli_rpath}")
        endif()
    endforeach()
endif()
if(LDD)
    run("ldd of the installed tensorjit-cache" ${LDD} "${cli}")
    string(REGEX MATCH "libtensorjit[^\n]*" resolved "${run_output}")
    string(FIND "${resolved}" "${prefix}/" at)
    if(at EQUAL -1)
        fail("the installed tensorjit-cache does not load libtensorjit from ${prefix}: ${resolved}")
    endif()
endif()
# Run with an empty environment's library path, so only the RUNPATH can find the library.
run("the installed tensorjit-cache path"
    ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH "TJ_CACHE_DIR=${work}/cli-cache" "${cli}" path)
string(FIND "${run_output}" "${work}/cli-cache" at)
if(at EQUAL -1)
    fail("the installed tensorjit-cache path printed:\n${run_output}")
endif()
file(MAKE_DIRECTORY "${work}/cli-cache") # list does not create it
run("the installed tensorjit-cache list"
    ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH "${cli}" --dir "${work}/cli-cache" list)
string(FIND "${run_output}" "0 entries" at)
if(at EQUAL -1)
    fail("the installed tensorjit-cache list printed:\n${run_output}")
endif()

# ---- the outside program: a copy, so nothing it builds from lies in the source tree -----------
file(COPY "${PROGRAM_DIR}/" DESTINATION "${program_src}")
set(configure_args -S "${program_src}" -B "${program_build}" "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release)
if(GENERATOR)
    list(APPEND configure_args -G "${GENERATOR}")
endif()
if(CXX_COMPILER)
    list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
run("configuring the outside program" ${CMAKE_COMMAND} ${configure_args})
# The package found must be the one just installed.
file(STRINGS "${program_build}/CMakeCache.txt" found_dir REGEX "^tensorjit_DIR:")
string(REGEX REPLACE "^[^=]*=" "" found_dir "${found_dir}")
file(REAL_PATH "${found_dir}" found_dir)
file(REAL_PATH "${prefix}" real_prefix)
string(FIND "${found_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
    fail("find_package(tensorjit) found ${found_dir}, not the package installed in ${prefix}")
endif()
run("building the outside program" ${CMAKE_COMMAND} --build "${program_build}")

set(program "${program_build}/outside_program")
if(LDD)
    run("ldd of the outside program" ${LDD} "${program}")
    string(REGEX MATCH "libtensorjit[^\n]*" resolved "${run_output}")
    string(FIND "${resolved}" "${prefix}/" at)
    if(at EQUAL -1)
        fail("the outside program does not load libtensorjit from ${prefix}: ${resolved}")
    endif()
    if(run_output MATCHES "not found")
        fail("the outside program has unresolved libraries:\n${run_output}")
    endif()
endif()

# ---- run it: cold (Clang compiles the kernel), then warm (it loads from the disk cache) ---------
set(expected "array([[0.5       , 0.73105858],\n       [0.26894142, 0.11920292]])\noutside program: ok")
foreach(pass cold warm)
    run("running the outside program (${pass} cache)"
        ${CMAKE_COMMAND} -E env "TJ_CACHE_DIR=${cache}" "${program}")
    string(FIND "${run_output}" "${expected}" at)
    if(at EQUAL -1)
        fail("the outside program (${pass} cache) printed:\n${run_output}\nexpected:\n${expected}")
    endif()
endforeach()
file(GLOB cache_entries "${cache}/*")
if(NOT cache_entries)
    fail("the outside program left nothing in its cache directory ${cache}")
endif()

# Nothing the program opens while it compiles a kernel may lie in the source or the build tree
# (kernel templates are embedded, Clang's headers come from the LLVM installation). strace may
# be missing or not allowed to trace (containers): then this check is skipped, said so.
find_program(STRACE strace)
if(STRACE)
    set(trace "${work}/strace.log")
    execute_process(
        # strace sets the environment itself (-E), so that only the program is traced. Neither
        # the working directory nor PWD may be the test's own, which are in the build tree
        # (LLVM's current_path() stats $PWD).
        COMMAND ${STRACE} -f -qq -e trace=%file -o "${trace}" -E "TJ_CACHE_DIR=${work}/cache2"
                -E "PWD=${work}" "${program}"
        WORKING_DIRECTORY "${work}"
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(rc EQUAL 0 AND EXISTS "${trace}")
        file(STRINGS "${trace}" lines)
        foreach(line IN LISTS lines)
            # Paths appear as quoted arguments; match them literally (no regex escaping needed).
            foreach(tree "${SOURCE_DIR}" "${BUILD_DIR}")
                string(FIND "${line}" "\"${tree}/" at)
                if(NOT at EQUAL -1)
                    fail("the outside program touched ${tree}: ${line}")
                endif()
            endforeach()
        endforeach()
        message(STATUS "strace: the program opened nothing in the source or build tree")
    else()
        message(STATUS "strace unusable here (${rc}); skipped the file-access check:\n${out}")
    endif()
endif()

if(NOT "$ENV{TJ_KEEP_INSTALL_TEST}" STREQUAL "1")
    file(REMOVE_RECURSE "${work}")
endif()
message(STATUS "install test passed")
