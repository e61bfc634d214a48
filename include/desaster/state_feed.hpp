// The public header of the state feed client (libdesaster_client): a live
// replica of a node's State, as <desaster/state_feed.hpp>.
#pragma once

#include "transport/client/state_feed.hpp"
