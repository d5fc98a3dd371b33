#!/usr/bin/python3
"""netlat.py - connect + request latency, for bench/network.

Usage: netlat.py N HOST PORT [PROXY_HOST PROXY_PORT]

Runs 10 unmeasured warm-up cycles, then N cycles of: TCP connect, (with a
proxy: SOCKS5 no-auth greeting and CONNECT to HOST by name), send
"GET /1", read the reply to EOF, close. Prints one line per cycle: the
cycle's wall time in milliseconds. Without a proxy, HOST is resolved once,
before the first cycle, so no DNS query is in the samples. One process
does all cycles, so no process start-up is measured either.
"""

import socket
import sys
import time

WARMUP = 10


def socks5(s, host, port):
    name = host.encode()
    s.sendall(b"\x05\x01\x00")
    if recv_exact(s, 2) != b"\x05\x00":
        raise OSError("SOCKS5: no acceptable method")
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name +
              port.to_bytes(2, "big"))
    head = recv_exact(s, 4)
    if head[1] != 0:
        raise OSError("SOCKS5: CONNECT failed, reply %d" % head[1])
    alen = {1: 4, 4: 16}.get(head[3])
    if alen is None:
        alen = recv_exact(s, 1)[0]
    recv_exact(s, alen + 2)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed during the SOCKS5 handshake")
        buf += chunk
    return buf


def cycle(addr, family, host, port, proxied):
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.connect(addr)
        if proxied:
            socks5(s, host, port)
        s.sendall(b"GET /1 HTTP/1.1\r\nHost: " + host.encode() +
                  b"\r\nConnection: close\r\n\r\n")
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    finally:
        s.close()
    if not reply.startswith(b"HTTP/1.1 200 ") or not reply.endswith(b"\0"):
        raise OSError("unexpected reply: %r" % reply[:60])


def main():
    if len(sys.argv) not in (4, 6):
        sys.exit(__doc__.split("\n\n")[1])
    n, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    proxied = len(sys.argv) == 6
    if proxied:
        target = (sys.argv[4], int(sys.argv[5]))
    else:
        target = (host, port)
    ai = socket.getaddrinfo(target[0], target[1], socket.AF_INET,
                            socket.SOCK_STREAM)[0]
    family, addr = ai[0], ai[4]
    out = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        cycle(addr, family, host, port, proxied)
        if i >= WARMUP:
            out.append("%.4f" % ((time.perf_counter() - t0) * 1e3))
    print("\n".join(out))


if __name__ == "__main__":
    main()
