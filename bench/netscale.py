#!/usr/bin/python3
"""netscale.py - many flows from one sandbox, for bench/network.

Usage: netscale.py HOST PORT HOLD PARALLEL CONNS PAUSE

Prints one line per phase and flushes it, then waits PAUSE seconds so
that bench/network can sample the relays' memory in that state:

  idle                       nothing open yet
  hold HOLD                  HOLD connections open, each with half a
                             request sent (the server waits for the rest)
  parallel OK N SECONDS      PARALLEL flows at once, each GET /65536 read
                             to EOF; OK of N got the whole reply
  churn OK N SECONDS         CONNS sequential connect, GET /1, read, close
  after                      everything closed (PAUSE waited again)

A flow that fails counts as not OK; the script goes on, so the table
shows how many failed. HOST is resolved once, before the first phase.
"""

import resource
import selectors
import socket
import sys
import time

BODY = 65536


def request(host, n):
    return (b"GET /%d HTTP/1.1\r\nHost: " % n + host.encode() +
            b"\r\nConnection: close\r\n\r\n")


def reply_ok(data, n):
    head, sep, body = data.partition(b"\r\n\r\n")
    return sep and head.startswith(b"HTTP/1.1 200") and len(body) == n


def phase(*words):
    print(" ".join(str(w) for w in words), flush=True)


def hold(addr, family, host, count):
    socks = []
    for _ in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(addr)
            s.sendall(b"GET /1 HTTP/1.1\r\nHost: " + host.encode())
            socks.append(s)
        except OSError:
            s.close()
    return socks


def parallel(addr, family, host, count):
    """count flows at once: connect all, then request and read all."""
    sel = selectors.DefaultSelector()
    state = {}
    req = request(host, BODY)
    for _ in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(addr)
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        state[s] = [req, bytearray()]
        sel.register(s, selectors.EVENT_WRITE)
    ok = 0
    deadline = time.monotonic() + 120
    while state and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            out, buf = state[s]
            try:
                if ev & selectors.EVENT_WRITE:
                    n = s.send(out)
                    state[s][0] = out = out[n:]
                    if not out:
                        sel.modify(s, selectors.EVENT_READ)
                    continue
                chunk = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = None
            if chunk:
                buf += chunk
                continue
            if chunk is not None and reply_ok(bytes(buf), BODY):
                ok += 1
            sel.unregister(s)
            s.close()
            del state[s]
    for s in state:
        s.close()
    return ok


def churn(addr, family, host, count):
    ok = 0
    req = request(host, 1)
    for _ in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(addr)
            s.sendall(req)
            buf = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
            ok += bool(reply_ok(buf, 1))
        except OSError:
            pass
        finally:
            s.close()
    return ok


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__.split("\n\n")[1])
    host, port = sys.argv[1], int(sys.argv[2])
    nhold, npar, nconn = (int(x) for x in sys.argv[3:6])
    pause = float(sys.argv[6])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, npar + nhold + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    family, _, _, _, addr = socket.getaddrinfo(host, port,
                                               type=socket.SOCK_STREAM)[0]

    phase("idle")
    time.sleep(pause)
    socks = hold(addr, family, host, nhold)
    phase("hold", len(socks))
    time.sleep(pause)
    for s in socks:
        s.close()
    t = time.monotonic()
    ok = parallel(addr, family, host, npar)
    phase("parallel", ok, npar, "%.2f" % (time.monotonic() - t))
    t = time.monotonic()
    ok = churn(addr, family, host, nconn)
    phase("churn", ok, nconn, "%.2f" % (time.monotonic() - t))
    time.sleep(pause)
    phase("after")
    time.sleep(pause)


if __name__ == "__main__":
    main()
