# Runs the fuzz target on the checked-in corpus: cmake -DFUZZER=... -DCORPUS=... -DWORK=...
# [-DRUNS=n] [-DMAX_SECONDS=s] [-DSEED=n (0: random)] [-DKEEP_CORPUS=ON] -P run_fuzz.cmake. The
# corpus is only read: inputs the run finds are written to WORK/corpus (emptied first unless
# KEEP_CORPUS), crashes to WORK/artifacts/. Fails when the fuzzer does.
foreach(v FUZZER CORPUS WORK)
    if(NOT DEFINED ${v})
        message(FATAL_ERROR "run_fuzz.cmake: ${v} is not set")
    endif()
endforeach()
if(NOT DEFINED RUNS)
    set(RUNS -1)
endif()
if(NOT DEFINED MAX_SECONDS)
    set(MAX_SECONDS 60)
endif()
if(NOT DEFINED SEED)
    set(SEED 1)
endif()
if(NOT KEEP_CORPUS)
    file(REMOVE_RECURSE ${WORK}/corpus)
endif()
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env UBSAN_OPTIONS=print_stacktrace=1 ${FUZZER} -seed=${SEED} -runs=${RUNS} -max_total_time=${MAX_SECONDS} -timeout=30
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/
            ${WORK}/corpus ${CORPUS}
    RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the fuzz target failed (${rc}): the input is in ${WORK}/artifacts/")
endif()
