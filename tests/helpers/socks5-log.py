#!/usr/bin/python3
# socks5-log.py PORT LOG [ALLOWED_NET...]: a small SOCKS5 server for tests
# (RFC 1928 CONNECT, RFC 1929 username/password). It logs each step as a
# line in LOG ("AUTH user pass", "CONNECT host port", "REFUSED host port"),
# resolves names ending in ".test" to 127.0.0.1, and connects only to
# 127.0.0.1 and the given networks: anything else is refused without a
# packet leaving the host.
import ipaddress, select, socket, socketserver, sys, threading

port, logfile = int(sys.argv[1]), sys.argv[2]
allowed = [ipaddress.ip_network("127.0.0.1/32")] + \
    [ipaddress.ip_network(n) for n in sys.argv[3:]]
lock = threading.Lock()

def log(line):
    with lock, open(logfile, "a") as f:
        f.write(line + "\n")

def recvn(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf

class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        try:
            ver, n = recvn(c, 2)
            methods = recvn(c, n)
            if 2 in methods:
                c.sendall(b"\x05\x02")
                recvn(c, 1)
                user = recvn(c, recvn(c, 1)[0]).decode()
                pw = recvn(c, recvn(c, 1)[0]).decode()
                log("AUTH %s %s" % (user, pw))
                c.sendall(b"\x01\x00")
            else:
                c.sendall(b"\x05\x00")
            ver, cmd, _, atyp = recvn(c, 4)
            if atyp == 1:
                host = socket.inet_ntop(socket.AF_INET, recvn(c, 4))
            elif atyp == 4:
                host = socket.inet_ntop(socket.AF_INET6, recvn(c, 16))
            else:
                host = recvn(c, recvn(c, 1)[0]).decode()
            dport = int.from_bytes(recvn(c, 2), "big")
            addr = "127.0.0.1" if host.endswith(".test") else host
            ok = any(ipaddress.ip_address(addr) in n for n in allowed
                     if ipaddress.ip_address(addr).version == n.version)
            if not ok:
                log("REFUSED %s %d" % (host, dport))
                c.sendall(b"\x05\x02\x00\x01" + bytes(6))
                return
            log("CONNECT %s %d" % (host, dport))
            try:
                u = socket.create_connection((addr, dport), timeout=5)
            except OSError:
                c.sendall(b"\x05\x05\x00\x01" + bytes(6))
                return
            c.sendall(b"\x05\x00\x00\x01" + bytes(6))
            relay(c, u)
        except (EOFError, OSError, ValueError):
            pass

def relay(a, b):
    socks = [a, b]
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            data = s.recv(65536)
            other = b if s is a else a
            if not data:
                try:
                    other.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                socks.remove(s)
                if not socks:
                    return
                continue
            other.sendall(data)

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

Server(("127.0.0.1", port), Handler).serve_forever()
