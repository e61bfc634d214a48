// Sorting and filtering a pane's rows (table.hpp).
#include "ui/top/table.hpp"

#include <algorithm>
#include <cctype>

namespace desaster::top {

namespace {

std::string lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void sort_rows(Table& table, std::size_t column, bool reversed) {
  if (column >= table.columns.size()) return;
  const bool numeric = table.columns[column].numeric;
  auto before = [&](const Row& a, const Row& b) {
    if (column >= a.cells.size() || column >= b.cells.size()) return a.key < b.key;
    const Cell& x = a.cells[column];
    const Cell& y = b.cells[column];
    if (numeric) {
      if (x.number != y.number) return reversed ? x.number < y.number : x.number > y.number;
    } else if (x.text != y.text) {
      return reversed ? x.text > y.text : x.text < y.text;
    }
    return a.key < b.key;
  };
  std::stable_sort(table.rows.begin(), table.rows.end(), before);
}

void filter_rows(Table& table, const std::string& filter) {
  if (filter.empty()) return;
  const std::string needle = lower(filter);
  std::erase_if(table.rows, [&](const Row& row) {
    for (const Cell& cell : row.cells) {
      if (lower(cell.text).find(needle) != std::string::npos) return false;
    }
    return lower(row.key).find(needle) == std::string::npos;
  });
}

}  // namespace desaster::top
