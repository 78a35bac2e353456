/// \file
/// The graph file format (version 1), shared by its writer (graph_file_write.cpp) and its reader
/// (graph_file_read.cpp), and the encodings of its values.
///
///     {"format": "tensorjit-graph", "version": 1, "name": "train",
///      "allow_input_downcast": false, "rewrites": true,
///      "nodes": [{"id": 0, "op": "input", "name": "x", "type": {"dtype": "float64",
///                                                             "shape": [null, 3]}},
///                {"id": 1, "op": "shared", "shared": 0, "type": ...},
///                {"id": 2, "op": "constant", "value": "<base64 .npy>", "weak": true, ...},
///                {"id": 3, "op": "add", "inputs": [0, 2],
///                 "attrs": {"ints": [], "dtype": "float64"}, "type": ...}],
///      "inputs": [{"node": 0, "name": "", "default": "<base64 .npy>"}],
///      "shared": [{"node": 1, "name": "w", "type": ..., "value": "<base64 .npy>"}],
///      "outputs": [3], "updates": [{"shared": 0, "value": 3}]}
///
/// Nodes are listed inputs before users with ids 0, 1, 2... in order, so a node refers to
/// earlier ids only (no cycles by construction). Arrays are their `.npy` bytes in base64
/// (lossless: the bytes themselves), or a sibling `.npy` file named by "value_file".
///
/// Scans: each loop body (ScanBody, shared by the Scan nodes of one scan) is written once in
/// "bodies" (present only when there are scans), and a Scan node names it by index in its attrs:
/// {"ints": [k, keep_last], "dtype": ..., "body": 0}. A body is a graph of its own, its nodes
/// encoded as the function's (ids from 0; its placeholders are its "input" nodes):
///
///     "bodies": [{"name": "rnn", "seq_taps": [[0]], "state_taps": [[-1]], "n_nonseq": 1,
///                 "n_visible": 1, "go_backwards": false, "has_until": false,
///                 "nodes": [...], "inputs": [0, 1, 2], "outputs": [5]}]
///
/// A body names earlier bodies only (a scan inside a scan: the inner body comes first), so
/// bodies form no cycle either. Files without scans are unchanged, and a reader without scans
/// rejects the op: the version stays 1.
#pragma once

#include "compiler/function/function_impl.hpp"
#include "compiler/graph/function_graph.hpp"
#include "compiler/graph/node.hpp"
#include "compiler/graph/scan_body.hpp"

#include <tensorjit/graph_file.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tensorjit::graph_file {

inline constexpr std::string_view kFormat = "tensorjit-graph";
inline constexpr int kVersion = 1;

// Limits of the reader: a file beyond them is rejected before anything is built from it.
inline constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 31;
inline constexpr std::size_t kMaxNodes = 10'000'000;
inline constexpr std::size_t kMaxJsonDepth = 32;
inline constexpr std::int64_t kMaxExtent = std::int64_t{1} << 40;
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 48;
inline constexpr std::size_t kMaxAttrInts = 1 << 16;

/// Scans nest at most this deep (a body whose scans' bodies have scans...): the passes that
/// compile a body recurse into the bodies of its scans.
inline constexpr int kMaxScanNesting = 64;
/// Taps are offsets within [-kMaxScanTap, kMaxScanTap] (the loop's index arithmetic is int).
inline constexpr std::int64_t kMaxScanTap = std::int64_t{1} << 24;

/// Writes the graph file of a function graph (pre-rewrites; givens and default updates applied)
/// with the input specs and shared storages it binds (parallel to fg.inputs and fg.shared): what
/// save_function writes, and what a Function::save would write from a built function's state.
void write(const std::filesystem::path& path, const FunctionGraph& fg,
           const std::vector<detail::InputSpec>& specs,
           const std::vector<std::shared_ptr<SharedStorage>>& storages, const std::string& name,
           bool allow_input_downcast, const GraphFileOptions& options);

/// Base64 (RFC 4648, with padding).
/// The function graph of a graph file, checked as load_function checks it, without compiling it
/// (tensorjit-cache warm and explain). Throws ValueError naming the file for a bad one.
FunctionGraph read_graph(const std::filesystem::path& path);

std::string base64_encode(std::string_view bytes);
/// The bytes, or nullopt when text is not canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

/// The `.npy` image of an array (what save_npy writes).
std::string npy_bytes(const Array& a);
/// The array of an `.npy` image; ValueError starting with `where` when it is not one.
Array npy_from_bytes(const std::string& bytes, const std::string& where);

/// The dtype named `name` ("float64"), or nullopt.
std::optional<DType> dtype_from_name(std::string_view name);
/// The op named `name` ("add"), or nullopt.
std::optional<OpKind> op_from_name(std::string_view name);

/// What is wrong with the attributes of a node of any op, and with the inputs they describe
/// (counts of ops of any arity, dtypes the kernels read), which its type rule, reference, the
/// rewrites and its emitter take on trust (its public builder makes them), or nullopt
/// (graph_file_attrs.cpp). Inputs have the op's arity when it has a fixed one.
std::optional<std::string> attrs_problem(OpKind op, std::span<const NodePtr> inputs,
                                         const Attrs& attrs);

/// What is wrong with a scan body read from a file (its placeholders are Input nodes and its
/// nodes typed), which the Scan type rule, reference and emitter take on trust (tj::scan makes
/// them): counts that do not match its placeholders and outputs, taps, state and until types,
/// names that would end a comment of the generated kernel; or nullopt (graph_file_attrs.cpp).
std::optional<std::string> scan_body_problem(const ScanBody& body);

} // namespace tensorjit::graph_file
