#!/usr/bin/python3
# dns-answer.py PORT ADDR LOG: a tiny UDP resolver on 127.0.0.1:PORT for
# tests. It answers every A query with ADDR (and AAAA with no records),
# and logs each name asked, one per line, to LOG.
import socket, struct, sys

port, addr, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
        i += 1 + q[i]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    with open(logfile, "a") as f:
        f.write(".".join(labels) + "\n")
    an = b""
    if qtype == 1:
        an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + \
            socket.inet_aton(addr)
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1,
        1 if an else 0, 0, 0)
    s.sendto(hdr + question + an, peer)
