#include "ui/web/server/auth.hpp"

#include <sodium.h>

namespace desaster::web {

std::string random_token() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  // Compare fixed-size hashes so neither the contents nor the lengths leak.
  unsigned char ha[crypto_generichash_BYTES];
  unsigned char hb[crypto_generichash_BYTES];
  crypto_generichash(ha, sizeof ha, reinterpret_cast<const unsigned char*>(a.data()), a.size(),
                     nullptr, 0);
  crypto_generichash(hb, sizeof hb, reinterpret_cast<const unsigned char*>(b.data()), b.size(),
                     nullptr, 0);
  return sodium_memcmp(ha, hb, sizeof ha) == 0;
}

Auth::Auth(std::string password) : password_(std::move(password)), process_csrf_(random_token()) {}

void Auth::expire(std::int64_t now_ms) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires_ms <= now_ms ? sessions_.erase(it) : std::next(it);
  }
  for (auto it = failures_.begin(); it != failures_.end();) {
    auto& times = it->second;
    while (!times.empty() && times.front() <= now_ms - 60'000) times.pop_front();
    it = times.empty() ? failures_.erase(it) : std::next(it);
  }
}

Auth::Login Auth::login(std::string_view address, std::string_view password, std::int64_t now_ms,
                        std::string& session, std::int64_t& retry_after_s) {
  expire(now_ms);
  auto& times = failures_[std::string(address)];
  if (times.size() >= kMaxFailuresPerMinute) {
    retry_after_s = std::max<std::int64_t>(1, (times.front() + 60'000 - now_ms + 999) / 1000);
    return Login::limited;
  }
  if (!required() || !same_secret(password, password_)) {
    times.push_back(now_ms);
    return Login::wrong;
  }
  if (times.empty()) failures_.erase(std::string(address));
  if (sessions_.size() >= kMaxSessions) {
    // The oldest goes: a flood of logins cannot grow the table without bound.
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires_ms < oldest->second.expires_ms) oldest = it;
    }
    sessions_.erase(oldest);
  }
  session = random_token();
  sessions_[session] = Session{random_token(), now_ms + kSessionLifetimeMs};
  return Login::ok;
}

void Auth::logout(std::string_view session) {
  sessions_.erase(std::string(session));
}

bool Auth::logged_in(std::string_view session, std::int64_t now_ms) {
  if (!required()) return true;
  auto it = sessions_.find(std::string(session));
  if (it == sessions_.end()) return false;
  if (it->second.expires_ms <= now_ms) {
    sessions_.erase(it);
    return false;
  }
  return true;
}

std::string Auth::csrf_token(std::string_view session, std::int64_t now_ms) {
  if (!required()) return process_csrf_;
  if (!logged_in(session, now_ms)) return {};
  return sessions_.at(std::string(session)).csrf;
}

bool Auth::csrf_ok(std::string_view session, std::string_view token, std::int64_t now_ms) {
  const std::string expected = csrf_token(session, now_ms);
  return !expected.empty() && !token.empty() && same_secret(expected, token);
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace desaster::web
