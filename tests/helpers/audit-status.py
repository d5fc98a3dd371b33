#!/usr/bin/python3
# audit-status.py get | set 0|1: read the kernel's audit status (prints
# "ENABLED AUDITD_PID") or turn kernel audit off or on, over the audit
# netlink socket. For tests that must leave audit as they found it.
import socket, struct, sys
AUDIT_GET, AUDIT_SET = 1000, 1001
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
s.bind((0, 0))
if sys.argv[1] == "get":
    s.send(struct.pack("=IHHII", 16, AUDIT_GET, 1, 1, 0))
    while True:
        d = s.recv(65536)
        if struct.unpack("=H", d[4:6])[0] == AUDIT_GET:
            st = struct.unpack("=9I", d[16:52])
            print(st[1], st[3])
            break
else:
    st = struct.pack("=9I", 1, int(sys.argv[2]), 0, 0, 0, 0, 0, 0, 0)
    s.send(struct.pack("=IHHII", 16 + len(st) + 4, AUDIT_SET, 5, 1, 0) +
        st + b"\0" * 4)
    d = s.recv(65536)
    sys.exit(struct.unpack("=i", d[16:20])[0] != 0)
