#!/usr/bin/env python3
"""Counts the instructions qemu executed between two marker functions.

Usage: count-trace.py TRACE BEGIN END

TRACE is qemu's `-singlestep -d exec,nochain` log (one "Trace" line per
executed instruction, the guest PC second in the brackets); BEGIN and END
are the hex addresses of the markers (from llvm-nm; the Thumb bit is
dropped). Prints the instructions from the first instruction after the
BEGIN marker's entry up to the END marker's entry: the call in between, its
level dispatch included, plus the few instructions of the BEGIN marker's
own return.
"""
import re
import sys

trace, begin, end = sys.argv[1], int(sys.argv[2], 16) & ~1, int(sys.argv[3], 16) & ~1
pc_field = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")
count, counting = 0, False
with open(trace) as log:
    for line in log:
        m = pc_field.search(line)
        if not m:
            continue
        pc = int(m.group(1), 16)
        if not counting:
            counting = pc == begin
        elif pc == end:
            print(f"{count} instructions")
            break
        else:
            count += 1
    else:
        sys.exit("the trace never reached both markers")
