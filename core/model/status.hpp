// Errors as values: every boundary (client protocol, journal, state machine)
// answers with a Status, so nothing throws across the event loop.
#pragma once

#include <string>
#include <utility>

namespace desaster {

enum class ErrorCode : unsigned char {
  ok = 0,
  bad_request,  // malformed or invalid input from a client
  not_found,    // no such job or queue
  conflict,     // the request contradicts state (duplicate unique key, wrong state)
  unavailable,  // the node cannot take writes now (disk full, shutting down, no leader)
  io_error,     // the journal could not be written or read
  corrupt,      // data on disk failed its checksum or did not decode
  internal,     // a bug: logged with detail
};

// Stable names for the wire ("bad_request", ...).
const char* to_string(ErrorCode code);
bool error_code_from_string(std::string_view name, ErrorCode& out);

struct Status {
  ErrorCode code = ErrorCode::ok;
  std::string message;

  bool ok() const { return code == ErrorCode::ok; }
  static Status success() { return {}; }
  static Status error(ErrorCode code, std::string message) { return {code, std::move(message)}; }
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)), has_value_(true) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}            // NOLINT: implicit by design

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T& operator*() { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  T value_{};
  Status status_;
  bool has_value_ = false;
};

}  // namespace desaster
