#!/usr/bin/python3
# scan-mem.py PID NEEDLE: exit 0 if NEEDLE is in PID's readable memory
# (every mapping /proc/PID/maps lists), 1 if not, 2 if nothing could be
# read. Run as root, from the host.
import sys

pid, needle = sys.argv[1], sys.argv[2].encode()
read = 0
with open(f"/proc/{pid}/maps") as maps, \
        open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
    for line in maps:
        addr, perms = line.split()[:2]
        if not perms.startswith("r"):
            continue
        lo, hi = (int(x, 16) for x in addr.split("-"))
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        read += len(data)
        if needle in data:
            sys.exit(0)
sys.exit(1 if read else 2)
