/// \file
/// What the function layer asks of scans (control_scan.cpp).
#pragma once

#include "compiler/graph/node.hpp"

#include <span>

namespace tensorjit {

/// The update of a shared variable that a scan among `nodes` carries through its loop (a random
/// generator it draws from, or a variable its step updates): the scan's last value of it; nullptr
/// when no scan carries it. tj::function uses it as the variable's default update, so that a
/// stream drawn from inside a scan advances by every step's draw.
NodePtr scan_carried_update(std::span<const Node* const> nodes, const SharedStorage* storage);

} // namespace tensorjit
