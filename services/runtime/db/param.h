#ifndef FINEPRINT_SERVICES_RUNTIME_DB_PARAM_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_PARAM_H_

// A query parameter in PostgreSQL's text format. Values never get spliced
// into SQL text: they travel separately in the Bind message, so quotes and
// other metacharacters in them are inert.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::db {

class Param {
 public:
  // SQL NULL.
  Param() = default;
  Param(std::nullopt_t) {}  // NOLINT(google-explicit-constructor)

  // Text. `const char*` has its own overload because otherwise a string
  // literal would prefer the (standard) pointer-to-bool conversion.
  Param(absl::string_view text)  // NOLINT(google-explicit-constructor)
      : value_(std::string(text)) {}
  Param(const char* text)  // NOLINT(google-explicit-constructor)
      : value_(std::string(text)) {}
  Param(const std::string& text)  // NOLINT(google-explicit-constructor)
      : value_(text) {}
  Param(std::string&& text)  // NOLINT(google-explicit-constructor)
      : value_(std::move(text)) {}

  // Integers of any width (bool and char excluded: a char is far more likely
  // a mistake than a number). A template avoids the int -> {int64_t, bool}
  // ambiguity.
  // clang-format off
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char>)
  Param(T value)  // NOLINT(google-explicit-constructor)
      : value_(FormatInt(static_cast<int64_t>(value))) {
    static_assert(sizeof(T) < sizeof(uint64_t) || std::is_signed_v<T>,
                  "uint64_t may not fit a PostgreSQL bigint; convert first");
  }
  // clang-format on

  // Constrained so that pointers and integers do not silently become bools.
  template <std::same_as<bool> T>
  Param(T value)  // NOLINT(google-explicit-constructor)
      : value_(value ? "true" : "false") {}

  // Round-trips exactly: 17 significant digits, "NaN" and "[-]Infinity".
  Param(double value);  // NOLINT(google-explicit-constructor)

  // timestamptz text in UTC with microsecond precision (PostgreSQL's
  // resolution; finer digits are truncated toward the past).
  Param(absl::Time value);  // NOLINT(google-explicit-constructor)

  // nullopt is NULL, otherwise the contained value's encoding.
  // clang-format off
  template <typename T>
    requires std::constructible_from<Param, const T&>
  Param(const std::optional<T>& value)  // NOLINT(google-explicit-constructor)
      : Param(value.has_value() ? Param(*value) : Param()) {}
  // clang-format on

  static Param Null() { return Param(); }

  bool is_null() const { return !value_.has_value(); }
  // The text sent to the server; empty for NULL (check is_null first).
  absl::string_view text() const {
    return value_.has_value() ? absl::string_view(*value_)
                              : absl::string_view();
  }
  // NUL-terminated text for libpq, or nullptr for NULL.
  const char* c_str() const {
    return value_.has_value() ? value_->c_str() : nullptr;
  }

  friend bool operator==(const Param&, const Param&) = default;

 private:
  static std::string FormatInt(int64_t value);

  std::optional<std::string> value_;
};

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_PARAM_H_
