// The panes of desaster-top as tables built from one TopData: which
// columns each has and what each row's key and action fields hold.
//   nodes:   key the node id (32 hex); flag: draining
//   queues:  key the queue name; flag: paused
//   workers: key node:pid; job: its job (empty: idle); pool: its pool
//            (every node's workers, from each node's resources sample)
//   failed:  key the group's key (queue, class or error signature)
//   jobs:    key the job id (16 hex)
//   cron:    key the entry's name; flag: paused
#pragma once

#include <cstdint>

#include "ui/top/table.hpp"
#include "ui/top/top_data.hpp"

namespace desaster::top {

enum class Pane : std::uint8_t { nodes, queues, workers, failed, jobs, cron };
inline constexpr std::size_t kPaneCount = 6;

const char* pane_name(Pane pane);  // "Nodes", "Queues", ...

Table build_pane(Pane pane, const TopData& data);
// The column a pane sorts by until the person picks another.
std::size_t default_sort_column(Pane pane);

}  // namespace desaster::top
