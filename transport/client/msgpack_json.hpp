// msgpack to JSON text, for showing free-form replies (stats) to people and
// to tools that speak JSON. Strings and binary both become JSON strings
// (bytes outside printable ASCII escaped as \u00XX); map keys that are not
// strings are written as the JSON of the key, quoted; ext values and
// non-finite floats become null.
#pragma once

#include <string>

#include <msgpack.hpp>

namespace desaster {

std::string msgpack_to_json(const msgpack::object& obj);

}  // namespace desaster
