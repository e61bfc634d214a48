#include "core/model/cron_entry.hpp"

namespace desaster {

const char* to_string(CronMissed v) {
  switch (v) {
    case CronMissed::skip:
      return "skip";
    case CronMissed::once:
      return "once";
    case CronMissed::all:
      return "all";
  }
  return "?";
}

const char* to_string(CronOverlap v) {
  switch (v) {
    case CronOverlap::allow:
      return "allow";
    case CronOverlap::forbid:
      return "forbid";
    case CronOverlap::replace:
      return "replace";
  }
  return "?";
}

const char* to_string(CronRunKind v) {
  switch (v) {
    case CronRunKind::fired:
      return "fired";
    case CronRunKind::skipped_missed:
      return "skipped_missed";
    case CronRunKind::skipped_overlap:
      return "skipped_overlap";
    case CronRunKind::manual:
      return "manual";
  }
  return "?";
}

bool cron_missed_from_string(std::string_view name, CronMissed& out) {
  for (CronMissed v : {CronMissed::skip, CronMissed::once, CronMissed::all}) {
    if (name == to_string(v)) {
      out = v;
      return true;
    }
  }
  return false;
}

bool cron_overlap_from_string(std::string_view name, CronOverlap& out) {
  for (CronOverlap v : {CronOverlap::allow, CronOverlap::forbid, CronOverlap::replace}) {
    if (name == to_string(v)) {
      out = v;
      return true;
    }
  }
  return false;
}

std::string check_cron_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return "cron entry name: 1 to 128 bytes";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return "cron entry name '" + std::string(name) + "': only A-Z a-z 0-9 _ . : -";
  }
  return {};
}

std::string cron_unique_key(std::string_view name, TimeMs instant) {
  return "cron:" + std::string(name) + "@" + std::to_string(instant);
}

std::optional<CronOrigin> cron_origin(std::string_view key) {
  if (!key.starts_with(kCronKeyPrefix)) return std::nullopt;
  key.remove_prefix(kCronKeyPrefix.size());
  CronOrigin origin;
  constexpr std::string_view kRun = "/run";
  if (key.ends_with(kRun)) {
    origin.manual = true;
    key.remove_suffix(kRun.size());
  }
  // Names cannot hold '@'; the instant is decimal milliseconds.
  const std::size_t at = key.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view name = key.substr(0, at);
  std::string_view digits = key.substr(at + 1);
  if (!check_cron_name(name).empty() || digits.empty() || digits.size() > 15) return std::nullopt;
  TimeMs instant = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    instant = instant * 10 + (c - '0');
  }
  origin.name = std::string(name);
  origin.instant = instant;
  return origin;
}

}  // namespace desaster
