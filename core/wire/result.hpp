#pragma once
// Result<T>: a value or a std::error_code, for the places where failure is normal (parsing, network edges).
// A small stand-in for C++23 std::expected, which our compilers (GCC 12, clang 14) cannot both use yet.

#include <cassert>
#include <system_error>
#include <utility>
#include <variant>

namespace portico {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor): mirrors std::expected
  Result(std::error_code error) : state_(error) { assert(error); }  // NOLINT(google-explicit-constructor)
  template <typename E>
    requires std::is_error_code_enum_v<E>
  Result(E error) : Result(std::error_code(make_error_code(error))) {}  // NOLINT(google-explicit-constructor)

  bool has_value() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  std::error_code error() const { return has_value() ? std::error_code{} : std::get<std::error_code>(state_); }

 private:
  std::variant<T, std::error_code> state_;
};

}  // namespace portico
