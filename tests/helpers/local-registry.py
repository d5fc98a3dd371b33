#!/usr/bin/env python3
"""A tiny npm registry and PyPI simple index on 127.0.0.1, for tests.

usage: local-registry.py DIR LOG BASEURL

Makes, in DIR, two npm packages (gw-a 1.0.0 depends on gw-b ^1.0.0 and
has a postinstall script) and one wheel (gwdemo-pkg 1.0), then serves
them on a free port of 127.0.0.1; prints the port on stdout, appends
every request's path to LOG. BASEURL is the registry's address as the
client sees it ("http://host.greywall.internal:PORT" with PORT literal),
written into the metadata's tarball URLs. Responses are cacheable for an
hour, as the real registries' files are.
"""
import base64
import hashlib
import http.server
import io
import json
import os
import sys
import tarfile
import zipfile

root, log, base = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(root, exist_ok=True)


def tgz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


packages = {
    "gw-a": ({"name": "gw-a", "version": "1.0.0",
              "dependencies": {"gw-b": "^1.0.0"},
              "scripts": {"postinstall": "node -e \"require('fs')"
                          ".writeFileSync('postinstall-ran', 'yes')\""}},
             b"module.exports = () => 'a:' + require('gw-b')();\n"),
    "gw-b": ({"name": "gw-b", "version": "1.0.0"},
             b"module.exports = () => 'b';\n"),
}
files = {}
meta = {}
for name, (pkg, index) in packages.items():
    data = tgz({"package.json": json.dumps(pkg).encode(),
                "index.js": index})
    tarname = "/%s/-/%s-%s.tgz" % (name, name, pkg["version"])
    files[tarname] = (data, "application/octet-stream")
    version = dict(pkg)
    version["dist"] = {
        "tarball": base + tarname,
        "shasum": hashlib.sha1(data).hexdigest(),
        "integrity": "sha512-" +
        base64.b64encode(hashlib.sha512(data).digest()).decode(),
    }
    if "scripts" in pkg:
        version["hasInstallScript"] = True
    meta["/" + name] = {"name": name, "dist-tags": {"latest": "1.0.0"},
                        "versions": {"1.0.0": version}}
for k, v in meta.items():
    files[k] = (json.dumps(v).encode(), "application/json")

# A pure-Python wheel and its simple index.
whl = io.BytesIO()
dist = "gwdemo_pkg-1.0.dist-info/"
with zipfile.ZipFile(whl, "w") as z:
    entries = {
        "gwdemo_pkg/__init__.py": b"def hello():\n    return 'hello'\n",
        dist + "METADATA": b"Metadata-Version: 2.1\nName: gwdemo-pkg\n"
        b"Version: 1.0\n",
        dist + "WHEEL": b"Wheel-Version: 1.0\nGenerator: test\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for n, d in entries.items():
        z.writestr(n, d)
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest())
        record += "%s,sha256=%s,%d\n" % (n, h.decode().rstrip("="), len(d))
    record += dist + "RECORD,,\n"
    z.writestr(dist + "RECORD", record)
wname = "gwdemo_pkg-1.0-py3-none-any.whl"
wdata = whl.getvalue()
files["/files/" + wname] = (wdata, "application/octet-stream")
sha = hashlib.sha256(wdata).hexdigest()
page = ('<html><body><a href="../../files/%s#sha256=%s">%s</a>'
        '</body></html>' % (wname, sha, wname)).encode()
files["/simple/gwdemo-pkg/"] = (page, "text/html")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        with open(log, "a") as f:
            f.write(path + "\n")
        if path not in files and path.replace("%2f", "/") in files:
            path = path.replace("%2f", "/")
        if path not in files:
            self.send_error(404)
            return
        data, ctype = files[path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(
    os.environ.get("PORT", "0"))), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
