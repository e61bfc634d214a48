// The public header of the C++ client library (libdesaster_client): what an
// application includes as <desaster/client.hpp>. The declarations live with
// the transport layer that implements them.
#pragma once

#include "transport/client/client.hpp"
