#!/usr/bin/env python3
"""A synthetic npm registry on 127.0.0.1 for bench/review.

usage: review-registry.py DIR NPKG NFILES BASEURL

Makes NPKG packages bench-0 ... (each NFILES JavaScript files of about
2 KiB in a few directories, every tenth one with a bin script, each
depending on the next two) and bench-app depending on all of them, then
serves the metadata and tarballs; prints the port. BASEURL is the
registry's address as the client sees it, with PORT literal.
"""
import hashlib
import http.server
import io
import json
import os
import sys
import tarfile

root, npkg, nfiles, base = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                            sys.argv[4])
os.makedirs(root, exist_ok=True)
meta = {}


def tgz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            info.mode = mode
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def package(name, deps, files):
    pj = {"name": name, "version": "1.0.0", "dependencies": deps}
    if "bin/cli.js" in files:
        pj["bin"] = {name: "bin/cli.js"}
    files["package.json"] = (json.dumps(pj).encode(), 0o644)
    data = tgz(files)
    open(os.path.join(root, name + "-1.0.0.tgz"), "wb").write(data)
    meta[name] = {
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "versions": {"1.0.0": dict(pj, dist={
            "tarball": "%s/%s/-/%s-1.0.0.tgz" % (base, name, name),
            "shasum": hashlib.sha1(data).hexdigest()})},
    }


line = b"module.exports.f = function (x) { return x * 2 + 1; };\n"
for i in range(npkg):
    files = {}
    for f in range(nfiles):
        files["lib/d%d/f%d.js" % (f % 4, f)] = (line * 36, 0o644)
    if i % 10 == 0:
        files["bin/cli.js"] = (b"#!/usr/bin/env node\n" + line, 0o755)
    deps = {"bench-%d" % j: "^1.0.0" for j in (i + 1, i + 2) if j < npkg}
    package("bench-%d" % i, deps, files)
package("bench-app", {"bench-%d" % i: "^1.0.0" for i in range(npkg)},
        {"index.js": (line, 0o644)})


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        p = self.path.lstrip("/")
        if "/-/" in p:
            path = os.path.join(root, p.split("/-/")[1])
            body = open(path, "rb").read()
            ctype = "application/octet-stream"
        elif p.replace("%2f", "/") in meta:
            body = json.dumps(meta[p]).encode()
            ctype = "application/json"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=3600")
        self.end_headers()
        self.wfile.write(body)


port = int(os.environ.get("PORT", "0"))
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
