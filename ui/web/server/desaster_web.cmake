# desaster-web: the web UI daemon (ui/web/server) and its page (ui/web/app),
# included from the top-level CMakeLists.txt.
#
# HTTP server: libh2o (Debian's libh2o-dev), built on libuv, the loop the
# rest of the project uses; HTTP/1.1 and HTTP/2, TLS through OpenSSL.
pkg_check_modules(H2O REQUIRED IMPORTED_TARGET libh2o)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json REQUIRED)

# The pure part: query-string, API query and body decoding, the command
# line. Unit-tested and fuzzed (tests/fuzz/fuzz_web_query.cpp).
desaster_layer(desaster_web_query DIRS ui/web/server/query
               DEPS desaster_state desaster_transport desaster_ui_common nlohmann_json::nlohmann_json)

# Every file under ui/web/app is embedded into the binary: a generated .cpp
# holds them as byte arrays. The glob re-runs at build time
# (CONFIGURE_DEPENDS), so a file the page adds is picked up by the next build.
file(GLOB_RECURSE web_app_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/ui/web/app/*)
list(FILTER web_app_files EXCLUDE REGEX "/node_modules/|/package(-lock)?\\.json$|/\\.[^/]*$")
set(web_assets_cpp ${PROJECT_BINARY_DIR}/generated/ui/web/web_assets.cpp)
set(web_assets_list ${PROJECT_BINARY_DIR}/generated/ui/web/web_assets.list)
string(REPLACE ";" "\n" web_app_lines "${web_app_files}")
file(WRITE ${web_assets_list}.tmp "${web_app_lines}\n")
configure_file(${web_assets_list}.tmp ${web_assets_list} COPYONLY)
add_custom_command(
  OUTPUT ${web_assets_cpp}
  COMMAND ${CMAKE_COMMAND} -DLIST=${web_assets_list} -DROOT=${PROJECT_SOURCE_DIR}/ui/web/app
          -DOUT=${web_assets_cpp} -P ${PROJECT_SOURCE_DIR}/ui/web/server/embed_assets.cmake
  DEPENDS ${web_app_files} ${web_assets_list} ${PROJECT_SOURCE_DIR}/ui/web/server/embed_assets.cmake
  COMMENT "Embedding ui/web/app into desaster-web")

desaster_layer(desaster_web DIRS ui/web/server
               DEPS desaster_web_query desaster_client desaster_ctl desaster_ui_common desaster_cron
                    desaster_metrics
                    PkgConfig::H2O PkgConfig::LIBUV OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
target_sources(desaster_web PRIVATE ${web_assets_cpp})
target_compile_definitions(desaster_web PUBLIC H2O_USE_LIBUV=1)
add_executable(desaster-web ui/web/server/desaster_web_main.cpp)
target_link_libraries(desaster-web PRIVATE desaster_web)
