// A pane's rows as desaster-top shows them: columns with a width and an
// alignment, rows of display text with a sort key per cell, and the
// operations a person applies to them (sort by a column, filter by a
// substring). Pure data; the panes (top_panes.hpp) fill it, the view model
// (top_view.hpp) orders and windows it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace desaster::top {

struct Column {
  std::string name;
  std::size_t width = 8;  // the minimum; the last column takes the rest
  bool numeric = false;   // right-aligned; sorts by number, largest first
};

struct Cell {
  std::string text;   // printable (top_format.hpp printable())
  double number = 0;  // the sort key of numeric columns
};

// Why a row deserves a colour.
enum class RowTone : std::uint8_t {
  normal,
  warn,   // paused queue, draining node, failed jobs
  error,  // dead jobs, a node that is gone
  good,   // leader, running
};

struct Row {
  std::string key;  // what an action names: a queue, node id, job id, pid
  std::vector<Cell> cells;
  RowTone tone = RowTone::normal;
  // What the actions of a pane need besides the key (top_panes.hpp).
  bool flag = false;   // queue paused, node draining
  std::string job{};   // a worker's job id, 16 hex digits; empty: idle
  std::string pool{};  // a worker's pool
};

struct Table {
  std::vector<Column> columns;
  std::vector<Row> rows;
};

// Sorts rows by column `column` (ignored when out of range): numbers
// largest first and text A to Z, reversed by descending; ties keep the
// key order so the sort is stable between refreshes.
void sort_rows(Table& table, std::size_t column, bool reversed);
// Keeps the rows any of whose cells contains `filter`, ignoring ASCII case.
void filter_rows(Table& table, const std::string& filter);

}  // namespace desaster::top
