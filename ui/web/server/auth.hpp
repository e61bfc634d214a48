// Logins, sessions and CSRF tokens of desaster-web, and the rate limit on
// wrong passwords. Time is passed in (steady milliseconds) so the rules can
// be tested. Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace desaster::web {

inline constexpr std::int64_t kSessionLifetimeMs = 12LL * 3600 * 1000;
inline constexpr std::size_t kMaxFailuresPerMinute = 5;
inline constexpr std::size_t kMaxSessions = 10'000;

// 32 random bytes as 64 hex digits (libsodium's CSPRNG).
std::string random_token();
// Equal without a timing side channel on the contents.
bool same_secret(std::string_view a, std::string_view b);

class Auth {
 public:
  // password: empty means no login (loopback only; main refuses otherwise).
  explicit Auth(std::string password);

  bool required() const { return !password_.empty(); }

  enum class Login { ok, wrong, limited };
  // On ok, session is the new session's cookie value. retry_after_s says
  // when a limited address may try again.
  Login login(std::string_view address, std::string_view password, std::int64_t now_ms,
              std::string& session, std::int64_t& retry_after_s);
  void logout(std::string_view session);
  // Whether the cookie names a live session (always true without a login).
  bool logged_in(std::string_view session, std::int64_t now_ms);
  // The session's CSRF token (the process's own without a login); empty
  // for an unknown session.
  std::string csrf_token(std::string_view session, std::int64_t now_ms);
  bool csrf_ok(std::string_view session, std::string_view token, std::int64_t now_ms);

 private:
  struct Session {
    std::string csrf;
    std::int64_t expires_ms = 0;
  };
  void expire(std::int64_t now_ms);

  std::string password_;
  std::string process_csrf_;
  std::unordered_map<std::string, Session> sessions_;
  std::unordered_map<std::string, std::deque<std::int64_t>> failures_;  // by address
};

// The value of cookie `name` in a Cookie header, if any.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

}  // namespace desaster::web
