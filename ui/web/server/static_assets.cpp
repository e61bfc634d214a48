#include "ui/web/server/static_assets.hpp"

namespace desaster::web {

const EmbeddedFile* find_embedded(std::string_view path) {
  for (const EmbeddedFile* f = embedded_files(); f->path != nullptr; ++f) {
    if (path == f->path) return f;
  }
  return nullptr;
}

const char* content_type_of(std::string_view path) {
  struct Type {
    std::string_view ext;
    const char* type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const Type& t : kTypes) {
    if (path.size() >= t.ext.size() && path.substr(path.size() - t.ext.size()) == t.ext)
      return t.type;
  }
  return "application/octet-stream";
}

}  // namespace desaster::web
