// htb: hierarchical token buckets, after Linux's HTB, counting jobs instead
// of bytes. Classes form a tree; jobs sit in leaves, FIFO within a leaf
// (released jobs first), mapped by the first rule matching (queue, class,
// flow), else to the default class. Each class has a rate bucket (its
// guaranteed rate) and a ceiling bucket (the most it may reach).
//
// A leaf may dispatch when its ceiling bucket holds a job and either its own
// rate bucket does ("green") or, borrowing, some ancestor's rate bucket does
// while every class between them is under its ceiling ("yellow"). Green
// leaves go before yellow ones; among equals the least recently served
// leaf goes first. A dispatch charges the ceiling bucket of every class on
// the path to the root, and the rate bucket of the lender and of every class
// above it, so a parent's rate is shared by its children and only what they
// leave unused can be lent.
//
// The buckets and the serve order are the replicated accounting; they change
// only in on_dispatched, with the op's timestamp. A bucket starts full.
//
// Cost: insert, erase O(log n + rules); plan O(leaves * depth) per job;
// classes are at most kMaxHtbClasses.
#pragma once

#include <memory>
#include <string_view>

#include "core/qdisc/qdisc.hpp"

namespace desaster {

std::unique_ptr<Qdisc> make_htb_qdisc(const QdiscConfig& config, std::string_view queue);

// Whether an htb rule field matches a value: empty matches anything, a
// trailing '*' matches by prefix, otherwise exactly.
bool htb_field_matches(std::string_view pattern, std::string_view value);

}  // namespace desaster
