// The new process's side of a hot upgrade (see handover_child.hpp).
#include "core/node/upgrade/handover_child.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <vector>

namespace desaster {

std::optional<HandoverChild> HandoverChild::from_environment() {
  const char* value = std::getenv(kUpgradeFdEnvironment);
  if (value == nullptr) return std::nullopt;
  char* end = nullptr;
  const long fd = std::strtol(value, &end, 10);
  ::unsetenv(kUpgradeFdEnvironment);
  if (end == value || *end != '\0' || fd < 3 || fd > 1'000'000) return std::nullopt;
  if (::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC) != 0) return std::nullopt;
  return HandoverChild(static_cast<int>(fd));
}

Status HandoverChild::take_over(int timeout_ms) {
  if (Status s = handover::send_message(channel_.get(), "hello"); !s.ok()) return s;
  Result<handover::Message> message = handover::receive_message(channel_.get(), timeout_ms);
  if (!message.ok()) return message.status();
  std::istringstream words(message->text);
  std::string word;
  std::vector<std::string> names;
  words >> word;
  if (word != "take") {
    return Status::error(ErrorCode::bad_request,
                         "unexpected upgrade message from the old process: " + message->text);
  }
  while (words >> word) names.push_back(word);
  if (names.size() != message->fds.size() || names.empty() || names.front() != "lock") {
    return Status::error(ErrorCode::bad_request, "the old process passed " +
                                                     std::to_string(message->fds.size()) +
                                                     " fds for '" + message->text + "'");
  }
  lock_ = std::move(message->fds.front());
  for (std::size_t i = 1; i < names.size(); ++i) {
    listeners_[names[i]] = std::move(message->fds[i]);
  }
  return Status::success();
}

void HandoverChild::ready() {
  (void)handover::send_message(channel_.get(), "ready " + std::to_string(::getpid()));
  channel_.reset();
}

void HandoverChild::fail(const std::string& why) {
  std::string text = "fail " + why;
  if (text.size() > handover::kMaxMessageBytes) text.resize(handover::kMaxMessageBytes);
  (void)handover::send_message(channel_.get(), text);
  channel_.reset();
}

}  // namespace desaster
