"""Kernel lines that print a name chosen by whoever ran the task, after a head of their own.

A comm (up to 15 bytes), a cpuset or cgroup path (any length) can hold anything:
trigger words, section heads, printk stamps, rsyslog's ``#012``. Whatever such a
name says, the line that holds it opens, ends, splits or cuts nothing: the
segmenter (``segment``) and the line decoder (``ingest``) both ask :func:`is_named`.
"""

from __future__ import annotations

import re

# The heads the kernel prints before a name: oom-kill's summary (cpuset=, task_memcg=,
# task=), a memcg's stats and "Task in" lines, memory.oom.group's notice, a task-table
# row, the old "<comm> cpuset=... mems_allowed=..." line.
NAMED = re.compile(
    r"(?:oom-kill:constraint=|Memory cgroup stats for |Task in |Tasks in |\[\s*-?\d+\]\s"
    r"|.{1,16} cpuset=\S* mems_allowed=)"
)
