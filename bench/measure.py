"""Run a command and write its peak RSS and CPU time as JSON: measure.py OUT.json CMD...

The benchmark's own process holds the sandbox, several hundred MB; a child forked from it
inherits that as its peak RSS (Linux keeps the high-water mark across exec). This small
launcher is the parent instead, so the figure is the command's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(argv)
    _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code
    report = {
        "exit_code": code,
        "peak_rss_kib": usage.ru_maxrss,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(report, handle)

    return code


if __name__ == "__main__":
    sys.exit(main())
