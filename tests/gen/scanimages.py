#!/usr/bin/env python3
"""Deterministic images for ocigate's security scanners (tests/integration/test_scan.sh).

Usage: scanimages.py OUTDIR

Writes oci-archive images under OUTDIR/<case>.tar that trip each scanner (file
modes, secrets, packages, efficiency) and one that must not, plus:

  OUTDIR/cases.json      per case: the archive, the policy (OUTDIR/policies/),
                         the exit code, the [id, subject] findings that must be
                         present and the ids that must be absent
  OUTDIR/secrets.txt     every fake secret value planted, one a line: no output
                         of ocigate may contain any of them
  OUTDIR/policies/*.json policies the cases use

The secrets are fake: random base64 / alphanumerics from a seeded PRNG, shaped
like the real thing. The output is byte-for-byte the same on every run.
Python standard library only (shares genimages.py's layout writer).
"""

import base64
import io
import json
import os
import random
import sys
import tarfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import genimages as g  # noqa: E402

MARKER = ".scanimages"
RUNCONFIG = {"User": "1000", "Env": ["PATH=/usr/bin:/bin"], "Cmd": ["sh"],
             "Labels": {"org.opencontainers.image.title": "ocigate-scan-test"}}


# tar entries: (kind, name, ...) with kind in f, d, l, c (char dev), b (block dev)
def F(name, data, mode=0o644, uid=0, gid=0):
    return ("f", name, data, mode, uid, gid)


def D(name, mode=0o755):
    return ("d", name, mode, 0, 0)


def S(name, target):
    return ("l", name, target)


def DEV(kind, name, major, minor, mode=0o660):
    return (kind, name, major, minor, mode)


def mktar(entries):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            ti = tarfile.TarInfo(e[1])
            ti.mtime = g.MTIME
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            data = None
            if e[0] == "f":
                data = e[2]
                ti.type, ti.size, ti.mode, ti.uid, ti.gid = tarfile.REGTYPE, len(data), e[3], e[4], e[5]
                ti.uname = ti.gname = ""
            elif e[0] == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, e[2]
            elif e[0] == "l":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, e[2], 0o777
            elif e[0] in ("c", "b"):
                ti.type = tarfile.CHRTYPE if e[0] == "c" else tarfile.BLKTYPE
                ti.devmajor, ti.devminor, ti.mode = e[2], e[3], e[4]
            else:
                raise ValueError(e[0])
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
        end = tf.offset + 2 * tarfile.BLOCKSIZE
    return bio.getvalue()[:end]


def dirs(*names):
    return [D("./")] + [D("./" + n.strip("/") + "/") for n in names]


class Gen:
    def __init__(self, out):
        self.out = out
        self.cases = []
        self.secrets = []
        self.rng = random.Random(20261201)

    # ---------------------------------------------------------- fake secrets
    def b64(self, nbytes):
        return base64.b64encode(bytes(self.rng.getrandbits(8) for _ in range(nbytes))).decode()

    def alnum(self, n, extra=""):
        chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + extra
        return "".join(self.rng.choice(chars) for _ in range(n))

    def pem(self, label, nbytes=900):
        body = self.b64(nbytes)
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        self.secrets.extend(lines[:3])
        return ("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)).encode()

    def token(self, prefix, n, extra=""):
        t = prefix + self.alnum(n, extra)
        self.secrets.append(t)
        return t

    def aws(self):
        key = "AKIA" + "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        secret = self.alnum(40, "/+")
        self.secrets.extend([key, secret])
        return key, secret

    # ---------------------------------------------------------------- images
    def image(self, name, layer_entries, runconfig=None, history=None):
        lay = g.Layout()
        layers = [g.layer(mktar(e)) for e in layer_entries]
        if history is None:
            history = [{"created": g.CREATED, "created_by": "COPY layer%d /" % i}
                       for i in range(len(layers))]
        mdesc, _ = g.build_image(lay, layers, runconfig=runconfig or dict(RUNCONFIG),
                                 history=history)
        lay.set_index([g.with_ref(mdesc, "latest")])
        path = os.path.join(self.out, name + ".tar")
        with open(path, "wb") as f:
            f.write(g.mktar(lay.tar_entries()))
        return "oci-archive:" + path, mdesc["digest"]

    def policy(self, name, doc):
        path = os.path.join(self.out, "policies", name + ".json")
        with open(path, "w") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")
        return path

    def case(self, name, ref, exit_code, present=(), absent=(), policy=None, note="", **extra):
        c = {"name": name, "ref": ref, "exit": exit_code,
             "present": [list(p) for p in present], "absent": list(absent), "note": note}
        if policy:
            c["policy"] = policy
        c.update(extra)
        self.cases.append(c)

    def gnutls_like(self):
        """Bytes of a binary that holds PEM marker strings, not a key."""
        rng = random.Random(7)
        junk = bytes(rng.getrandbits(8) for _ in range(4096))
        return (b"\x7fELF\x02\x01\x01" + junk[:1000] +
                b"-----BEGIN RSA PRIVATE KEY-----\x00" + junk[1000:2000] +
                b"-----BEGIN %s PRIVATE KEY-----\x00-----END %s PRIVATE KEY-----\x00" +
                junk[2000:] + b"AKIA\x00ghp_\x00glpat-\x00xoxb-\x00")

    def run(self):
        os.makedirs(os.path.join(self.out, "policies"))
        self.files()
        self.secrets_image()
        self.clean()
        self.debian()
        self.alpine()
        self.dpkg_escape()
        self.rpm()
        self.waste()
        with open(os.path.join(self.out, "cases.json"), "w") as f:
            json.dump(self.cases, f, indent=2)
            f.write("\n")
        with open(os.path.join(self.out, "secrets.txt"), "w") as f:
            f.write("\n".join(self.secrets) + "\n")

    def files(self):
        ents = dirs("usr", "usr/bin", "usr/local", "usr/local/bin", "srv", "dev") + [
            F("./usr/bin/passwd", b"\x7fELF passwd", 0o4755),
            F("./usr/local/bin/suidtool", b"\x7fELF suidtool", 0o4755),
            F("./usr/bin/wall", b"\x7fELF wall", 0o2755, gid=5),
            F("./srv/public.txt", b"anyone may write\n", 0o666),
            D("./srv/share/", 0o777),
            D("./tmp/", 0o1777),
            S("./srv/link", "public.txt"),
            DEV("c", "./dev/kmsg", 1, 11),
            DEV("b", "./dev/sda", 8, 0),
        ]
        ref, _ = self.image("scan-files", [ents])
        found = [("file.setuid", "/usr/bin/passwd"), ("file.setuid", "/usr/local/bin/suidtool"),
                 ("file.setuid", "/usr/bin/wall"), ("file.world_writable", "/srv/public.txt"),
                 ("file.world_writable", "/srv/share"), ("file.device", "/dev/kmsg"),
                 ("file.device", "/dev/sda")]
        self.case("scan-files", ref, 0, present=found,
                  absent_subjects=[["file.world_writable", "/tmp"],
                                   ["file.world_writable", "/srv/link"]],
                  note="setuid/setgid, o+w file and dir, devices; 1777 /tmp and a symlink are fine")
        allow = self.policy("scan-allow", {"version": 1, "scan": {
            "setuid_allowed": ["/usr/bin/passwd"], "writable_allowed": ["/srv/share"]}})
        self.case("scan-files-allow", ref, 0, policy=allow,
                  present=[("file.setuid", "/usr/local/bin/suidtool")],
                  absent_subjects=[["file.setuid", "/usr/bin/passwd"],
                                   ["file.world_writable", "/srv/share"]],
                  note="allow-listed paths are silent")

    def secrets_image(self):
        rsa = self.pem("RSA PRIVATE KEY")
        ossh = self.pem("OPENSSH PRIVATE KEY", 400)
        ec = self.pem("EC PRIVATE KEY", 120)
        key, secret = self.aws()
        creds = ("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (key, secret)).encode()
        ghp = self.token("ghp_", 36)
        glpat = self.token("glpat-", 20, "_-")
        slack = self.token("xoxb-", 12) + "-" + self.token("", 24)
        self.secrets.append(slack)
        env_tok = self.token("ghp_", 36)
        hist_tok = self.token("glpat-", 20)
        l0 = dirs("root", "root/.ssh", "home", "home/app", "home/app/.ssh", "app", "app/.aws",
                  "usr", "usr/lib") + [
            F("./root/.ssh/id_rsa", rsa, 0o600),
            F("./home/app/.ssh/id_ed25519", ossh, 0o600),
            F("./app/.aws/credentials", creds),
            F("./app/config.yml", ("github:\n  token: %s\n" % ghp).encode()),
            F("./app/gitlab.env", ("GITLAB_TOKEN=%s\n" % glpat).encode()),
            F("./app/slack.txt", ("hook: %s\n" % slack).encode()),
            F("./usr/lib/libgnutls.so.30", self.gnutls_like()),
        ]
        l1 = [D("./"), D("./app/"), F("./app/deploy.pem", ec, 0o600)]
        l2 = [D("./"), D("./app/"), F("./app/.wh.deploy.pem", b"")]
        rc = dict(RUNCONFIG)
        rc["Env"] = ["PATH=/usr/bin:/bin", "GITHUB_TOKEN=" + env_tok]
        hist = [{"created": g.CREATED, "created_by": "COPY app /"},
                {"created": g.CREATED,
                 "created_by": "RUN curl -H 'PRIVATE-TOKEN: %s' https://gitlab.example/api" % hist_tok},
                {"created": g.CREATED, "created_by": "RUN rm /app/deploy.pem"}]
        ref, _ = self.image("scan-secrets", [l0, l1, l2], runconfig=rc, history=hist)
        self.case("scan-secrets", ref, 1, present=[
            ("secret.private_key", "/root/.ssh/id_rsa"),
            ("secret.private_key", "/home/app/.ssh/id_ed25519"),
            ("secret.private_key", "/app/deploy.pem"),
            ("secret.cloud_credential", "/app/.aws/credentials"),
            ("secret.token", "/app/config.yml"),
            ("secret.token", "/app/gitlab.env"),
            ("secret.token", "/app/slack.txt"),
            ("secret.token", "config Env GITHUB_TOKEN"),
            ("secret.token", "history[1].created_by")],
            absent_subjects=[["secret.private_key", "/usr/lib/libgnutls.so.30"],
                             ["secret.token", "/usr/lib/libgnutls.so.30"],
                             ["secret.cloud_credential", "/usr/lib/libgnutls.so.30"]],
            deleted={"path": "/app/deploy.pem", "layer": 1, "hidden_by": 2},
            note="every detector; a key deleted by a later whiteout is still reported")

    def clean(self):
        ents = dirs("usr", "usr/lib", "usr/bin", "etc") + [
            D("./tmp/", 0o1777),
            F("./usr/bin/tool", b"\x7fELF tool", 0o755),
            F("./usr/lib/libgnutls.so.30", self.gnutls_like()),
            F("./etc/motd", b"AKIA is how AWS key ids start; ghp_ is GitHub's prefix.\n"),
        ]
        ref, _ = self.image("scan-clean", [ents])
        self.case("scan-clean", ref, 0, absent=[
            "file.setuid", "file.world_writable", "file.device", "secret.private_key",
            "secret.cloud_credential", "secret.token", "packages.unsupported", "efficiency.wasted"],
            note="marker text and prefixes without a secret, a 1777 /tmp: nothing")

    DEB_STATUS = """Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u1
Description: Secure Sockets Layer toolkit - shared libraries

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib (1:1.2.13.dfsg-1)
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: removed, config files left
"""

    def debian(self):
        osr = (b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
               b'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
        ents = dirs("etc", "usr", "usr/lib", "var", "var/lib", "var/lib/dpkg") + [
            F("./usr/lib/os-release", osr),
            S("./etc/os-release", "../usr/lib/os-release"),
            F("./var/lib/dpkg/status", self.DEB_STATUS.encode()),
        ]
        ref, _ = self.image("scan-debian", [ents])
        self.case("scan-debian", ref, 0, os={"id": "debian", "version_id": "12"},
                  packages=[["base-files", "12.4+deb12u5"], ["libc6", "2.36-9+deb12u1"],
                            ["libssl3", "3.0.11-1~deb12u1"], ["zlib1g", "1:1.2.13.dfsg-1"]],
                  absent=["packages.unsupported"],
                  note="Debian 12 dpkg status; a deinstalled package is not listed")

    APK_INSTALLED = """C:Q1aaaaaaaaaaaaaaaaaaaaaaaaaaa=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407210
I:663552
T:the musl c library (libc) implementation
o:musl
m:Timo Teras <timo.teras@iki.fi>

C:Q1bbbbbbbbbbbbbbbbbbbbbbbbbbb=
P:busybox
V:1.36.1-r15
A:x86_64
o:busybox

C:Q1ccccccccccccccccccccccccccc=
P:libssl3
V:3.1.4-r1
A:x86_64
o:openssl
"""

    def alpine(self):
        osr = (b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n'
               b'PRETTY_NAME="Alpine Linux v3.19"\n')
        ents = dirs("etc", "lib", "lib/apk", "lib/apk/db") + [
            F("./etc/os-release", osr),
            F("./lib/apk/db/installed", self.APK_INSTALLED.encode()),
        ]
        ref, _ = self.image("scan-alpine", [ents])
        self.case("scan-alpine", ref, 0, os={"id": "alpine", "version_id": "3.19.1"},
                  packages=[["busybox", "1.36.1-r15"], ["libssl3", "3.1.4-r1"],
                            ["musl", "1.2.4_git20230717-r4"]],
                  note="Alpine 3.19 apk installed database")

    def dpkg_escape(self):
        osr = b'ID=debian\nVERSION_ID="12"\n'
        ents = dirs("etc", "var", "var/lib", "var/lib/dpkg") + [
            F("./etc/os-release", osr),
            S("./var/lib/dpkg/status", "../../../../../../host/var/lib/dpkg/status"),
        ]
        ref, _ = self.image("scan-dpkg-escape", [ents])
        self.case("scan-dpkg-escape", ref, 1, present=[("packages.unsupported", None),
                                                       ("link.escape", None)],
                  packages=[], note="a symlinked dpkg status that leaves the root is not followed "
                  "(and is a link.escape, CRITICAL)")

    def rpm(self):
        ents = dirs("var", "var/lib", "var/lib/rpm") + [
            F("./var/lib/rpm/rpmdb.sqlite", b"SQLite format 3\x00" + bytes(64)),
        ]
        ref, _ = self.image("scan-rpm", [ents])
        self.case("scan-rpm", ref, 0, present=[("packages.unsupported", None)],
                  note="an rpm database: the inventory is incomplete")

    def waste(self):
        rng = random.Random(99)
        big = bytes(rng.getrandbits(8) for _ in range(3 << 20))
        l0 = dirs("data") + [F("./data/big.bin", big), F("./data/keep.txt", b"kept\n")]
        l1 = [D("./"), D("./data/"), F("./data/big.bin", b"small now\n")]
        ref, digest = self.image("scan-waste", [l0, l1])
        pol = self.policy("efficiency", {"version": 1,
                                         "efficiency": {"max_wasted": "1MiB", "min_score": 0.5}})
        self.case("scan-waste", ref, 0, absent=["efficiency.wasted"], wasted_min=3 << 20,
                  note="the big file overwritten by layer 1: wasted, but no limit set")
        self.case("scan-waste-policy", ref, 0, policy=pol,
                  present=[("efficiency.wasted", digest)], wasted_min=3 << 20,
                  note="over max_wasted 1MiB")


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: scanimages.py OUTDIR\n")
        return 2
    out = os.path.abspath(argv[1])
    g.prepare(out, "scanimages", MARKER)
    Gen(out).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
