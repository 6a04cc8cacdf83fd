"""Run a command and write its wall time and rusage as JSON: `python child_rusage.py OUT CMD...`.

The bench measures its children through this small process. A child forked straight from the
bench inherits, in Linux's peak-memory accounting, the resident size of the process it was
forked from (the high-water mark of the pre-exec copy is kept across exec), so after the bench
generated a large input every child would report at least the bench's own peak. Forked from
this small process, a child's `ru_maxrss` is its own.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _pid, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "seconds": seconds,
                "peak_rss_kb": usage.ru_maxrss,  # kilobytes on Linux
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            },
            handle,
        )
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
