/// \file
/// What the rewrite tests share: a case (a graph that exercises a rule), its check, and golden
/// text files in tests/rewrite/golden/ (TJ_UPDATE_GOLDEN=1 rewrites them: tests/update_golden.sh).
#pragma once

#include <tensorjit/tensorjit.hpp>

#include <string>
#include <vector>

namespace tj_test {

struct RewriteCase {
    std::string rule; ///< the rule's name (its text, "x + 0 -> x")
    std::vector<tensorjit::Var> outputs;
    bool applies = true; ///< false: the graph must not make the rule apply
    std::string label() const { return (applies ? "" : "not: ") + rule; }
};

/// Runs the rewrite phases on the case's graph and checks: the rule applied (or did not), the
/// result is a fixpoint of the phases, every output keeps its type, and the values before and
/// after agree on random inputs. Returns the case's before/after graph text.
std::string check_rewrite_case(const RewriteCase& c);

/// Compares text with tests/rewrite/golden/<name> (or writes it when TJ_UPDATE_GOLDEN=1).
void check_golden_text(const std::string& name, const std::string& text);

} // namespace tj_test
