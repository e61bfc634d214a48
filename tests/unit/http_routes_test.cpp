#include <catch2/catch.hpp>

#include "transport/http_front/http_options.hpp"
#include "transport/http_front/http_routes.hpp"

using namespace desaster;
using namespace desaster::http_front;

TEST_CASE("an HTTP request goes to the queue of the longest matching route, else to http",
          "[http]") {
  HttpRoutes routes;
  REQUIRE(routes.add("*/api=api").ok());
  REQUIRE(routes.add("*/api/admin=admin").ok());
  REQUIRE(routes.add("shop.example/=shop").ok());
  REQUIRE(routes.add("Shop.Example/api=shop-api").ok());
  CHECK(routes.queue_for("other.example", "/api/users?x=1") == "api");
  CHECK(routes.queue_for("other.example", "/api") == "api");
  CHECK(routes.queue_for("other.example", "/apix") == "http");
  CHECK(routes.queue_for("other.example", "/api/admin/x") == "admin");
  CHECK(routes.queue_for("shop.example:8080", "/cart") == "shop");
  // An exact host beats * at the same prefix length.
  CHECK(routes.queue_for("SHOP.example", "/api/x") == "shop-api");
  CHECK(routes.queue_for("", "/") == "http");
}

TEST_CASE("a malformed HTTP route is refused with what is wrong", "[http]") {
  HttpRoutes routes;
  CHECK(routes.add("no-equals").message.find("no '=QUEUE'") != std::string::npos);
  CHECK(routes.add("host=queue").message.find("no '/PREFIX'") != std::string::npos);
  CHECK(!routes.add("host/=").ok());
  CHECK(!routes.add("host:80/=q").ok());
  CHECK(!routes.add("host/pa th=q").ok());
  CHECK(!routes.add(std::string("host/\x01=q")).ok());
  CHECK(routes.routes().empty());
}

TEST_CASE("the HTTP flags parse, and bad values name the flag", "[http]") {
  HttpFrontOptions o;
  REQUIRE(apply_http_flag("http", "127.0.0.1:8080", o).ok());
  REQUIRE(o.http->port == 8080);
  REQUIRE(apply_http_flag("http-queue-timeout", "250ms", o).ok());
  CHECK(o.queue_timeout_ms == 250);
  REQUIRE(apply_http_flag("http-queue", "0", o).ok());
  CHECK(o.queue_limit == 0);
  CHECK(apply_http_flag("http", "localhost:80", o).message.rfind("--http: ", 0) == 0);
  CHECK(!apply_http_flag("http", "127.0.0.1:0", o).ok());
  CHECK(!apply_http_flag("http-queue-timeout", "0", o).ok());
  CHECK(!apply_http_flag("http-max-body", "999999999", o).ok());
  HttpFrontOptions tls;
  REQUIRE(apply_http_flag("https", "127.0.0.1:8443", tls).ok());
  CHECK(check_http_options(tls).message == "--https needs --tls-cert and --tls-key");
}
