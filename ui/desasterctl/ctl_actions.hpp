// desasterctl's job actions: kill, relocate, re-role, retry, delete and
// reschedule, each on ids or on --all jobs of a query. Parsing is pure
// (ctl_actions_args.cpp); running sends one "action" request and prints
// what was done (ctl_actions.cpp).
#pragma once

#include <string>
#include <string_view>

#include "core/model/status.hpp"
#include "ui/desasterctl/ctl_args.hpp"

namespace desaster {

class Client;

// Whether command is one of the job actions ("kill", "re-role", ...).
bool is_action_command(std::string_view command);
// Parses the arguments after the command into out.action (and out.ids for
// the ids as typed). args[pos...] are the command's arguments.
Status parse_action_args(const std::vector<std::string>& args, std::size_t pos, CtlArgs& out);
// The help lines of the job actions.
std::string action_help_text();
// Runs a parsed action; returns the process exit status.
int run_action(Client& client, const CtlArgs& args);

}  // namespace desaster
