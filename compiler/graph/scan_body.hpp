/// \file
/// The body of a scan: the graph one step computes, over placeholders for what the step reads.
/// Immutable and shared by every Scan node of one scan (one node per result, Attrs::body), so
/// that passes see one loop.
#pragma once

#include "compiler/graph/node.hpp"

#include <string>
#include <vector>

namespace tensorjit {

struct ScanBody {
    /// Placeholders (Input nodes), in the order the step function received them: per sequence
    /// its taps, per recurrent state its taps, then the non-sequences (the ones given, then the
    /// outer values the body captured).
    std::vector<NodePtr> inputs;
    /// Per state (outputs_info entry, then the hidden states the builder added) its value at
    /// this step; then the until condition when there is one.
    std::vector<NodePtr> outputs;
    /// Per sequence its taps (offsets from the step), in the order given.
    std::vector<std::vector<int>> seq_taps;
    /// Per state its taps (all negative), or none for a state that is not fed back (a map).
    std::vector<std::vector<int>> state_taps;
    int n_nonseq = 0;
    /// Number of states the user asked for (outputs_info); the ones after them are hidden
    /// (shared variables and random generators carried through the loop).
    int n_visible = 0;
    bool go_backwards = false;
    bool has_until = false;
    /// A name for messages ("scan" or ScanOptions::name).
    std::string name;
    /// SHA-256 of the canonical text of the body (placeholders by position, constants by value):
    /// two bodies with one digest compute the same thing.
    std::string digest;

    int n_seqs() const { return static_cast<int>(seq_taps.size()); }
    int n_states() const { return static_cast<int>(state_taps.size()); }
    /// The deepest tap of state k (1 for taps {-1}, 2 for {-1, -2}; 0 for a map).
    int depth(int k) const;
    /// Index into inputs of the first placeholder of sequence i / state k / the non-sequences.
    int seq_input(int i) const;
    int state_input(int k) const;
    int nonseq_input() const;

    /// Fills digest from the rest.
    void seal();
};

/// The outer inputs of a Scan node: n_steps (int64 scalar), the sequences, per fed-back state
/// its initial values (shape (depth, *state)), the non-sequences. Attrs::ints of a Scan node:
/// {result index k, keep} where keep is 0 for all steps stacked along a new axis 0 and 1 for the
/// last step's value only.
constexpr int kScanResult = 0;
constexpr int kScanKeepLast = 1;

} // namespace tensorjit
