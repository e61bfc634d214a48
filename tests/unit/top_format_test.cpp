// desaster-top's text formatting and tables: pure functions.
#include <catch2/catch.hpp>

#include "ui/top/table.hpp"
#include "ui/top/top_data.hpp"
#include "ui/top/top_format.hpp"
#include "ui/top/top_json.hpp"

using namespace desaster::top;

TEST_CASE("top: control characters and broken UTF-8 from the network print as ?", "[top][format]") {
  CHECK(printable("mail\x1b[2Jq") == "mail?[2Jq");
  CHECK(printable("a\nb\tc") == "a?b?c");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(printable("bad\xc3") == "bad?");
  CHECK(printable("\xc0\xaf") == "??");       // overlong
  CHECK(printable("\xed\xa0\x80") == "???");  // surrogate
  CHECK(printable("\xc2\x9b"
                  "31m") == "??31m");  // C1 CSI
}

TEST_CASE("top: fit cuts at a code point and pads to the width", "[top][format]") {
  CHECK(fit("queue", 8) == "queue   ");
  CHECK(fit("queue", 8, true) == "   queue");
  CHECK(fit("abcdefgh", 3) == "abc");
  CHECK(fit("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9\xc3\xa9");
  CHECK(display_width(fit("\xc3\xa9xyz", 6)) == 6);
  CHECK(fit("", 0).empty());
}

TEST_CASE("top: numbers are short enough for narrow columns", "[top][format]") {
  CHECK(format_count(42) == "42");
  CHECK(format_count(12'345) == "12.3k");
  CHECK(format_count(1'000'000) == "1.0M");
  CHECK(format_kib(512) == "512K");
  CHECK(format_kib(2048) == "2.0M");
  CHECK(format_kib(3 * 1024 * 1024) == "3.0G");
  CHECK(format_rate(2.25) == "2.2");
  CHECK(format_rate(-1) == "0.0");
  CHECK(format_rate(1500) == "1.5k");
  CHECK(format_age_ms(-5) == "-");
  CHECK(format_age_ms(45'000) == "45s");
  CHECK(format_age_ms(3 * 60'000) == "3m");
  CHECK(format_age_ms(2 * 3'600'000) == "2h");
}

TEST_CASE("top: a sparkline scales to its largest value and keeps the latest", "[top][format]") {
  CHECK(sparkline({0, 1, 7}, 5, false) == "   .#");
  CHECK(sparkline({7, 7, 7, 0}, 2, false) == "# ");
  CHECK(sparkline({0, 0}, 2, false) == "  ");
  CHECK(display_width(sparkline({1, 2, 3, 4}, 10, true)) == 10);
  CHECK(sparkline({4}, 1, true) == "\xe2\x96\x88");  // full block
}

TEST_CASE("top: rows sort by number largest first, by text A to Z, and reverse", "[top][table]") {
  Table t;
  t.columns = {{"NAME", 8}, {"DEPTH", 6, true}};
  t.rows = {{"b", {{"b", 0}, {"5", 5}}}, {"a", {{"a", 0}, {"9", 9}}}, {"c", {{"c", 0}, {"1", 1}}}};
  sort_rows(t, 1, false);
  CHECK(t.rows[0].key == "a");
  CHECK(t.rows[2].key == "c");
  sort_rows(t, 1, true);
  CHECK(t.rows[0].key == "c");
  sort_rows(t, 0, false);
  CHECK(t.rows[0].key == "a");
  CHECK(t.rows[1].key == "b");
  sort_rows(t, 0, true);
  CHECK(t.rows[0].key == "c");
  sort_rows(t, 7, false);  // no such column: left alone
  CHECK(t.rows[0].key == "c");
}

TEST_CASE("top: a filter keeps rows with a cell containing it, ignoring case", "[top][table]") {
  Table t;
  t.columns = {{"NAME", 8}};
  t.rows = {{"mail", {{"mail", 0}}}, {"Mailer", {{"Mailer", 0}}}, {"video", {{"video", 0}}}};
  filter_rows(t, "MAIL");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[1].key == "Mailer");
  filter_rows(t, "");
  CHECK(t.rows.size() == 2);
}

TEST_CASE("top: rates count the ops of each closed second", "[top][rates]") {
  RateTracker r;
  r.tick(10'000);  // starts the clock
  r.count("mail", true);
  r.count("mail", true);
  r.count("mail", false);
  r.count("video", true);
  CHECK(r.processed_rate() == 0);  // the second is still open
  r.tick(11'000);
  CHECK(r.processed_rate() == 3);
  CHECK(r.failed_rate() == 1);
  CHECK(r.processed_history().size() == 1);
  CHECK(r.queue_processed_rate("mail") == 2.0 / RateTracker::kQueueWindowSeconds);
  r.tick(13'500);  // two quiet seconds
  CHECK(r.processed_rate() == 0);
  CHECK(r.processed_history().size() == 3);
  r.tick(13'900);  // same second: nothing closes
  CHECK(r.processed_history().size() == 3);
  r.tick(10'000'000);  // a long pause keeps only the history's bound
  CHECK(r.processed_history().size() == RateTracker::kHistorySeconds);
  CHECK(r.queue_processed_rate("mail") == 0);
}

TEST_CASE("top: --json carries the screen's numbers unformatted, names escaped", "[top][json]") {
  TopData d;
  d.now = 10'000;
  d.endpoint = "tcp://127.0.0.1:2691";
  d.mode = "standalone";
  d.index = 7;
  d.counts[static_cast<std::size_t>(desaster::JobState::queued)] = 12'345;
  QueueStat q;
  q.name = "ma\"il";
  q.counts[static_cast<std::size_t>(desaster::JobState::queued)] = 12'345;
  q.paused = true;
  q.oldest_queued = 4'000;
  d.queues = {q};
  d.failed = {{"boom <n>", 3}};
  const std::string j = top_json(d);
  CHECK(j.find("\"mode\":\"standalone\"") != std::string::npos);
  CHECK(j.find("\"index\":7") != std::string::npos);
  CHECK(j.find("\"queued\":12345") != std::string::npos);
  CHECK(j.find("\"name\":\"ma\\\"il\"") != std::string::npos);
  CHECK(j.find("\"paused\":true") != std::string::npos);
  CHECK(j.find("\"oldest_queued_ms\":6000") != std::string::npos);
  CHECK(j.find("\"failed_by\":\"queue\"") != std::string::npos);
  CHECK(j.find("{\"key\":\"boom <n>\",\"count\":3}") != std::string::npos);
  CHECK(j.find("\"workers\":[]") != std::string::npos);
}
