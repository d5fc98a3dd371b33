#!/usr/bin/python3
# make-wheel.py DIR [NAME VERSION]: write a tiny pure-Python wheel into DIR
# (built by hand, so no network and no build backend is needed) and print
# its file name. The package's hello() returns "hello from the wheel".
import base64, hashlib, os, sys, zipfile

outdir = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else "gwdemo_pkg"
version = sys.argv[3] if len(sys.argv) > 3 else "1.0"
dist = name.replace("_", "-")
info = "%s-%s.dist-info" % (name, version)
files = {
    "%s/__init__.py" % name:
        b"def hello():\n    return 'hello from the wheel'\n",
    info + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
        % (dist, version)).encode(),
    info + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: greywall-test\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    record.append("%s,sha256=%s,%d" % (path, digest.rstrip(b"=").decode(),
        len(data)))
record.append(info + "/RECORD,,")
wheel = "%s-%s-py3-none-any.whl" % (name, version)
with zipfile.ZipFile(os.path.join(outdir, wheel), "w") as z:
    for path, data in files.items():
        z.writestr(path, data)
    z.writestr(info + "/RECORD", "\n".join(record) + "\n")
print(wheel)
