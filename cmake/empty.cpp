// libtensorjit is its layers (tj_internal, linked whole); this file only gives CMake a source.
