#!/usr/bin/python3
# scan-mem.py PID NEEDLE: exit 0 if NEEDLE is in PID's readable memory
# (the mappings /proc/PID/maps lists), 1 if not, 2 if nothing could be
# read. Run as root, from the host. Mappings over 4 GiB are skipped: they
# are sanitizer shadow memory reserved with MAP_NORESERVE, never data.
import sys

CHUNK = 1 << 20
pid, needle = sys.argv[1], sys.argv[2].encode()
read = 0
with open(f"/proc/{pid}/maps") as maps, \
        open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
    for line in maps:
        addr, perms = line.split()[:2]
        if not perms.startswith("r"):
            continue
        lo, hi = (int(x, 16) for x in addr.split("-"))
        if hi - lo > 4 << 30:
            continue
        tail = b""
        pos = lo
        while pos < hi:
            try:
                mem.seek(pos)
                data = mem.read(min(CHUNK, hi - pos))
            except (OSError, ValueError, OverflowError):
                break
            if not data:
                break
            read += len(data)
            if needle in tail + data:
                sys.exit(0)
            tail = data[-len(needle):]
            pos += len(data)
sys.exit(1 if read else 2)
