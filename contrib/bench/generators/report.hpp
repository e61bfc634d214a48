// The comparison's summary from the generators' JSON lines.
#pragma once

namespace bench {

// Reads results (one JSON line per figure, several runs each), prints a
// Markdown table (median, min-max, desaster / server) and the targets of
// issue 5 on stdout, and writes results.json, chart.dat and chart.gp (a
// gnuplot script for chart.png) into out_dir. 0 on success.
int run_report(const char* results, const char* out_dir);

}  // namespace bench
