// Shared variables: tj::shared, get_value/set_value, and their storage as seen by functions.
#include "compiler/function/function_impl.hpp"

#include <tensorjit/function.hpp>

#include <shared_mutex>

namespace tensorjit {

// ---- shared variables -------------------------------------------------------------------------

namespace {

void check_shared_value(const SharedStorage& s, const Array& v, const char* what) {
    TJ_CHECK(v.ndim() == s.type.ndim(), ShapeError)
        << what << ": shared variable \"" << s.name << "\" (" << s.type.str() << ") needs a "
        << s.type.ndim() << "-d value, got shape " << shape_str(v.shape());
    TJ_CHECK(s.type.accepts_shape(v.shape()), ShapeError)
        << what << ": shared variable \"" << s.name << "\" has static shape " << s.type.str()
        << ", got shape " << shape_str(v.shape());
    TJ_CHECK(can_cast_safely(v.dtype(), s.type.dtype), TypeError)
        << what << ": shared variable \"" << s.name << "\" has dtype " << dtype_name(s.type.dtype)
        << "; a value of dtype " << dtype_name(v.dtype()) << " cannot be cast to it safely";
}

} // namespace

SharedVar SharedAccess::wrap(std::shared_ptr<SharedStorage> storage, NodePtr node) {
    SharedVar v;
    static_cast<Var&>(v) = Var(std::move(node));
    v.storage_ = std::move(storage);
    return v;
}

SharedVar shared(const Array& value, SharedOptions options) {
    auto s = std::make_shared<SharedStorage>();
    s->name = options.name;
    Dims shape;
    shape.resize(value.ndim(), dyn);
    if (options.shape) {
        TJ_CHECK(options.shape->size() == value.ndim(), ShapeError)
            << "shared: static shape " << shape_str(*options.shape) << " for \"" << options.name
            << "\" has rank " << options.shape->size() << " but the value has shape "
            << shape_str(value.shape());
        shape = *options.shape;
    }
    s->type = TensorType{value.dtype(), shape};
    check_shared_value(*s, value, "shared");
    s->value = value.copy();
    return SharedAccess::wrap(s, make_shared_node(s));
}

// A borrowed value is a read-only view: calls never write into a buffer another Array views (an
// update in place copies such a value first, compiler/function/call.cpp), so it is a snapshot.
Array SharedVar::get_value(const GetValueOptions& options) const {
    TJ_CHECK(storage_, ValueError) << "get_value: undefined shared variable";
    std::shared_lock lock(storage_->mutex);
    return options.borrow ? storage_->value.read_only_view() : storage_->value.copy();
}

void SharedVar::set_value(const Array& value, const SetValueOptions& options) {
    TJ_CHECK(storage_, ValueError) << "set_value: undefined shared variable";
    check_shared_value(*storage_, value, "set_value");
    // Borrowed: the caller's array itself when it needs no conversion (the variable's dtype, C
    // order, as every value a call produces); otherwise a copy, never aliasing the caller's.
    TJ_CHECK(!options.borrow || !value.read_only(), ValueError)
        << "set_value: shared variable \"" << storage_->name
        << "\": array is read-only (a borrowed value may be written by updates; set it without "
           "borrow to copy it)";
    const bool borrow =
        options.borrow && value.dtype() == storage_->type.dtype && value.is_c_contiguous();
    Array v = borrow ? value : value.astype(storage_->type.dtype);
    std::unique_lock lock(storage_->mutex);
    storage_->value = std::move(v);
}

} // namespace tensorjit
