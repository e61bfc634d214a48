// desaster-web's logins, sessions, CSRF tokens and the wrong-password rate
// limit (ui/web/server/auth), with time passed in.
#include <catch2/catch.hpp>

#include "ui/web/server/auth.hpp"

using namespace desaster::web;

TEST_CASE("without a password every request is logged in, with one process CSRF token", "[web]") {
  Auth auth("");
  CHECK_FALSE(auth.required());
  CHECK(auth.logged_in("", 0));
  const std::string token = auth.csrf_token("", 0);
  CHECK(token.size() == 64);
  CHECK(auth.csrf_ok("anything", token, 0));
  CHECK_FALSE(auth.csrf_ok("", "", 0));
  CHECK_FALSE(auth.csrf_ok("", token.substr(1), 0));
}

TEST_CASE("a login makes a session with its own CSRF token, it expires and logs out", "[web]") {
  Auth auth("s3cret-password");
  std::string session;
  std::int64_t retry = 0;
  CHECK(auth.login("10.0.0.1", "s3cret-password", 1000, session, retry) == Auth::Login::ok);
  CHECK(session.size() == 64);
  CHECK(auth.logged_in(session, 2000));
  CHECK_FALSE(auth.logged_in("not-a-session", 2000));
  const std::string csrf = auth.csrf_token(session, 2000);
  CHECK(auth.csrf_ok(session, csrf, 2000));
  CHECK_FALSE(auth.csrf_ok("", csrf, 2000));
  std::string other;
  REQUIRE(auth.login("10.0.0.1", "s3cret-password", 1000, other, retry) == Auth::Login::ok);
  CHECK_FALSE(auth.csrf_ok(other, csrf, 2000));  // tokens are per session
  CHECK_FALSE(auth.logged_in(session, 1000 + kSessionLifetimeMs));
  auth.logout(other);
  CHECK_FALSE(auth.logged_in(other, 2000));
}

TEST_CASE("wrong passwords are limited per address for a minute", "[web]") {
  Auth auth("s3cret-password");
  std::string session;
  std::int64_t retry = 0;
  for (std::size_t i = 0; i < kMaxFailuresPerMinute; ++i)
    CHECK(auth.login("10.0.0.1", "guess", 1000 + static_cast<std::int64_t>(i), session, retry) ==
          Auth::Login::wrong);
  CHECK(auth.login("10.0.0.1", "s3cret-password", 2000, session, retry) == Auth::Login::limited);
  CHECK(retry == 59);
  // Another address is not held back; the first may try again after a minute.
  CHECK(auth.login("10.0.0.2", "s3cret-password", 2000, session, retry) == Auth::Login::ok);
  CHECK(auth.login("10.0.0.1", "s3cret-password", 61'005, session, retry) == Auth::Login::ok);
}

TEST_CASE("cookie values are found by name", "[web]") {
  CHECK(cookie_value("a=1; desaster_session=xyz; b=2", "desaster_session") == "xyz");
  CHECK(cookie_value("desaster_session=", "desaster_session") == "");
  CHECK_FALSE(cookie_value("x_desaster_session=1", "desaster_session"));
  CHECK_FALSE(cookie_value("", "desaster_session"));
}
