// The page's files (ui/web/app), embedded into the binary at build time by
// embed_assets.cmake, looked up by their path ("/index.html").
#pragma once

#include <cstddef>
#include <string_view>

namespace desaster::web {

struct EmbeddedFile {
  const char* path;  // "/index.html"; null ends the table
  const unsigned char* data;
  std::size_t size;
};

// The generated table, ended by an entry with a null path.
const EmbeddedFile* embedded_files();
// The file at path, or null.
const EmbeddedFile* find_embedded(std::string_view path);
// A Content-Type for the path's extension.
const char* content_type_of(std::string_view path);

}  // namespace desaster::web
