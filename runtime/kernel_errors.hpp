/// \file
/// The messages of kernel value errors: the codes a kernel passes to tj_rt_value_error are the
/// rows of TJ_KERNEL_ERRORS (codegen_templates/kernel_abi.h); this formats one.
#pragma once

#include <string>

namespace tensorjit {

/// The message of error `code` about `value`, as the table's row says ("negative dimensions are
/// not allowed, got extent -5"). An unknown code gives "invalid value (<value>)".
std::string kernel_error_text(int code, long long value);

} // namespace tensorjit
