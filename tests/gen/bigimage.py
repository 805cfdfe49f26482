#!/usr/bin/env python3
"""Deterministic generator of large, realistic OCI layout images.

Usage:
  bigimage.py OUTDIR --layers N --size BYTES --compress gzip|zstd [--level L]
              [--ref NAME] [--seed S]
  bigimage.py OUTDIR --bomb BYTES [--bomb-file-size BYTES] [--ref NAME]

The first form writes an OCI image layout with N layers whose uncompressed
tars total about BYTES (each layer within a few KiB of BYTES/N). The content
is a realistic mix, so that `gzip -6` compresses it about 2.5-3x (the ratio
is measured and printed):

  - text-like files: source code, configuration and logs from a seeded word
    model with a skewed (Zipf-like) vocabulary;
  - binary-like files: ELF-ish, with instruction-like code from a skewed
    opcode table, symbol and relocation tables, string tables, zero padding
    and some random bytes;
  - already-compressed files (a small share): random bytes.

Files are sliced from pools of such content (a few tens of MiB, made once
from the seed) at seeded random offsets, so generation runs at the speed of
the compressor, not of Python. Everything streams: the tar is written
entry by entry into the compressor (`gzip -n -6 -c` or `zstd -q -3 -T1 -c`)
while its sha256 (the diff_id) and size are taken; the compressor's output
is hashed as it is written to the blob file. No layer is ever held in memory
and nothing uncompressed is written to disk.

The second form writes a decompression bomb: one gzip layer whose tar holds
one file of BYTES zeros (or, with --bomb-file-size, files of that size at
one path, so that no header declares the whole). The blob is a concatenation of identical gzip
members of zeros (members concatenate), so it is built in seconds; the
diff_id is the sha256 of the whole zero stream, hashed once.

The layout is built in OUTDIR.tmp-PID and renamed to OUTDIR at the end; an
existing OUTDIR is replaced only if it is an OCI layout. Output: a JSON
summary on stdout (manifest and config digests, per layer digest, size,
diffId, uncompressedSize, ratio), a human-readable summary on stderr. The
same arguments give the same bytes on every run (with the same gzip/zstd).

Needs Python 3.9+ (standard library) and the `gzip` / `zstd` commands.
"""

import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import threading
import time
import zlib

MTIME = 1704067200  # 2024-01-01T00:00:00Z
CREATED = "2024-01-01T00:00:00Z"
CHUNK = 1 << 20     # pipe writes, hash updates, blob writes
GZ_PIECE = 1 << 20  # the unit of parallel deflate
POOL_MIN = 2 << 20
POOL_MAX = 16 << 20
VARIANTS = 4       # a pool is a generated quarter and 3 permuted copies
BLOCK = tarfile.BLOCKSIZE
WORDS = 4000      # vocabulary
IDENTS = 6000     # identifiers (one or two words)
ZIPF = 1.15       # skew of both

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
            "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}
DEFAULT_LEVEL = {"gzip": 6, "zstd": 3}

# Share of the file bytes of each kind (the rest of the tar is headers and
# padding). Tuned so that gzip -6 gives about 2.7x.
SHARE_TEXT = 0.50
SHARE_BIN = 0.45
SHARE_PACKED = 0.05


# --------------------------------------------------------------------------
# content pools


def zipf_cum(n, s=1.1):
    """Cumulative Zipf-like weights for random.choices(cum_weights=...)."""
    cum, total = [], 0.0
    for i in range(n):
        total += 1.0 / (i + 1) ** s
        cum.append(total)
    return cum


class Draw:
    """Weighted picks from a list, drawn from rng in batches (fast)."""

    def __init__(self, rng, items, cum, batch=8192):
        self.rng = rng
        self.items = items
        self.cum = cum
        self.batch = batch
        self.buf = []
        self.i = 0

    def _refill(self, k):
        self.buf = self.buf[self.i:] + self.rng.choices(self.items, cum_weights=self.cum,
                                                        k=max(k, self.batch))
        self.i = 0

    def one(self):
        if self.i >= len(self.buf):
            self._refill(1)
        x = self.buf[self.i]
        self.i += 1
        return x

    def take(self, k):
        if self.i + k > len(self.buf):
            self._refill(k)
        x = self.buf[self.i:self.i + k]
        self.i += k
        return x


class Vocab:
    """A seeded vocabulary of words and identifiers, skewed like real text."""

    SYLL = ("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge "
            "gi go ha he hi ho ja je ka ke ki ko la le li lo lu ma me mi mo "
            "mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su "
            "ta te ti to tu va ve vi vo wa we wi xa ya za ze zo an en in on "
            "un ar er ir or ur st tr pr ch sh th ng ck").split()

    def __init__(self, rng, n=WORDS, nid=IDENTS):
        words, seen = [], set()
        while len(words) < n:
            w = "".join(rng.choice(self.SYLL)
                        for _ in range(1 + min(4, int(rng.expovariate(0.9)))))
            if w not in seen:
                seen.add(w)
                words.append(w)
        self.words = words
        self.cum = zipf_cum(n, ZIPF)
        ids = set()
        while len(ids) < nid:
            ids.add("_".join(rng.choices(words, cum_weights=self.cum, k=1 + (rng.random() < 0.6))))
        self.idents = sorted(ids)
        rng.shuffle(self.idents)
        self.id_cum = zipf_cum(nid, ZIPF)

    def pick(self, rng, k):
        return rng.choices(self.words, cum_weights=self.cum, k=k)


class TextGen:
    """Text-like documents: code, configuration, logs, prose."""

    TYPES = ("int", "void", "char *", "size_t", "unsigned", "const char *", "struct")
    CONDS = ("if", "if", "while", "for")
    OPS = ("==", "<", "!=", ">=", "&&")
    LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR")

    def __init__(self, rng, vocab):
        self.rng = rng
        self.v = vocab
        self.w = Draw(rng, vocab.words, vocab.cum)
        self.id = Draw(rng, vocab.idents, vocab.id_cum)
        self.clock = 1704067200.0

    def code(self, nbytes):
        rng, w, ident, out, size, depth = self.rng, self.w, self.id.one, [], 0, 0
        while size < nbytes:
            r = rng.random()
            ind = "    " * depth
            if r < 0.12 and depth < 5:
                line = "%s%s (%s %s %s) {" % (ind, rng.choice(self.CONDS), ident(),
                                            rng.choice(self.OPS), ident())
                depth += 1
            elif r < 0.24 and depth > 0:
                depth -= 1
                line = "    " * depth + "}"
            elif r < 0.52:
                line = "%s%s = %s(%s);" % (ind, ident(), ident(),
                                          ", ".join(self.id.take(rng.randrange(4))))
            elif r < 0.62:
                line = "%sreturn %s;" % (ind, ident())
            elif r < 0.72:
                line = "%s/* %s */" % (ind, " ".join(w.take(3 + rng.randrange(9))))
            elif r < 0.84:
                line = "%s%s %s = %d;" % (ind, rng.choice(self.TYPES), ident(),
                                          rng.randrange(1000))
            elif r < 0.92:
                line = "%s%s->%s = %s;" % (ind, ident(), ident(), ident())
            else:
                line = ""
            out.append(line)
            size += len(line) + 1
        return "\n".join(out) + "\n"

    def config(self, nbytes):
        rng, w, ident, out, size = self.rng, self.w, self.id.one, [], 0
        while size < nbytes:
            r = rng.random()
            if r < 0.06:
                line = "\n[%s]" % ident()
            elif r < 0.55:
                k = rng.random()
                if k < 0.4:
                    val = ident()
                elif k < 0.6:
                    val = str(rng.randrange(65536))
                elif k < 0.8:
                    val = rng.choice(("true", "false", "yes", "no", "auto"))
                else:
                    val = "/" + "/".join(w.take(2 + rng.randrange(3)))
                line = "%s = %s" % (ident(), val)
            elif r < 0.75:
                line = "  - " + " ".join(w.take(1 + rng.randrange(4)))
            else:
                line = "# " + " ".join(w.take(4 + rng.randrange(10)))
            out.append(line)
            size += len(line) + 1
        return "\n".join(out) + "\n"

    def log(self, nbytes):
        rng, w, out, size = self.rng, self.w, [], 0
        comps = self.v.pick(rng, 12)
        while size < nbytes:
            self.clock += rng.expovariate(20.0)
            t = time.gmtime(self.clock)
            line = "%s.%03dZ %s %s[%d]: %s id=%d took=%dms" % (
                time.strftime("%Y-%m-%dT%H:%M:%S", t), int(self.clock * 1000) % 1000,
                rng.choice(self.LEVELS), rng.choice(comps), 1000 + rng.randrange(50),
                " ".join(w.take(3 + rng.randrange(8))),
                rng.randrange(1 << 20), rng.randrange(2000))
            out.append(line)
            size += len(line) + 1
        return "\n".join(out) + "\n"

    def prose(self, nbytes):
        rng, w, out, size = self.rng, self.w, [], 0
        while size < nbytes:
            if rng.random() < 0.05:
                s = "\n## " + " ".join(w.take(2 + rng.randrange(4))).title() + "\n"
            else:
                s = " ".join(w.take(5 + rng.randrange(15))).capitalize() + \
                    rng.choice((". ", ". ", ", ", ".\n"))
            out.append(s)
            size += len(s)
        return "".join(out)

    def document(self, nbytes):
        f = self.rng.choice((self.code, self.code, self.config, self.log, self.prose))
        return f(nbytes).encode()


class BinGen:
    """ELF-ish binary content: code, tables, strings, padding, random."""

    def __init__(self, rng, vocab):
        self.rng = rng
        self.v = vocab
        self.id = Draw(rng, vocab.idents, vocab.id_cum)
        # An opcode table: a few hundred instruction encodings of 1-7 bytes.
        ops = []
        for _ in range(300):
            n = 1 + min(6, int(rng.expovariate(0.5)))
            ops.append(bytes(rng.randrange(256) for _ in range(n)))
        self.op_cum = zipf_cum(len(ops), 1.2)
        self.ops = ops
        # Basic blocks: runs of instructions with their small operands fixed.
        blocks = []
        for _ in range(6000):
            parts = []
            for op in rng.choices(ops, cum_weights=self.op_cum, k=2 + rng.randrange(12)):
                parts.append(op)
                r = rng.random()
                if r < 0.3:
                    parts.append(bytes((rng.randrange(64),)))
                elif r < 0.45:
                    parts.append(struct.pack("<I", rng.randrange(4096)))
            blocks.append(b"".join(parts))
        self.blocks = blocks
        self.block_cum = zipf_cum(len(blocks), 0.9)

    def code(self, nbytes):
        rng, out, size = self.rng, [], 0
        while size < nbytes:
            k = 64
            rnd = rng.randbytes(4 * k)
            for i, b in enumerate(rng.choices(self.blocks, cum_weights=self.block_cum, k=k)):
                out.append(b)
                r = rng.random()
                if r < 0.35:
                    # call/jmp rel32: a displacement of random low bytes
                    out.append(b"\xe8" + rnd[4 * i:4 * i + 2] + b"\x00\x00")
                elif r < 0.42:
                    out.append(b"\xcc" * (1 + rng.randrange(15)))
                size += len(b) + 4
        return b"".join(out)

    def symtab(self, nbytes):
        rng = self.rng
        out, name, addr = [], 1, 0x401000 + rng.randrange(1 << 16)
        for _ in range(nbytes // 24):
            size = int(rng.expovariate(1 / 200.0))
            out.append(struct.pack("<IBBHQQ", name, rng.choice((0x12, 0x12, 0x11, 0x22)),
                                   0, rng.choice((11, 12, 14, 22)), addr, size))
            name += 8 + rng.randrange(24)
            addr += (size + 15) & ~15
        return b"".join(out)

    def reloc(self, nbytes):
        rng = self.rng
        out, off = [], 0x3d000 + rng.randrange(1 << 12)
        for _ in range(nbytes // 24):
            out.append(struct.pack("<QQq", off, (rng.randrange(400) << 32) | rng.choice((1, 6, 7, 8)),
                                   rng.randrange(1 << 14) if rng.random() < 0.3 else 0))
            off += 8
        return b"".join(out)

    def strtab(self, nbytes):
        rng, ident, out, size = self.rng, self.id.one, [], 0
        while size < nbytes:
            s = ident()
            if rng.random() < 0.3:
                s = "_ZN%d%s%d%sE" % (len(s), s, len(s), ident())
            out.append(s)
            size += len(s) + 1
        return ("\0".join(out) + "\0").encode()

    def document(self, nbytes):
        rng, out, size = self.rng, [], 0
        hdr = bytearray(64)
        hdr[0:8] = b"\x7fELF\x02\x01\x01\x00"
        hdr[16:20] = struct.pack("<HH", 3, 62)
        hdr[24:32] = struct.pack("<Q", 0x1000 + rng.randrange(1 << 16))
        out.append(bytes(hdr))
        size = 64
        while size < nbytes:
            r = rng.random()
            n = 4096 + rng.randrange(60000)
            if r < 0.58:
                part = self.code(n)
            elif r < 0.68:
                part = self.symtab(n)
            elif r < 0.74:
                part = self.reloc(n)
            elif r < 0.86:
                part = self.strtab(n)
            elif r < 0.91:
                part = bytes(256 + rng.randrange(4096))
            else:
                part = rng.randbytes(n // 8)
            out.append(part)
            size += len(part)
        return b"".join(out)[:nbytes]


def make_pool(gen, nbytes, alphabet):
    """nbytes of the generator's documents: a quarter generated, the rest
    the same bytes with the symbols of `alphabet` permuted (three seeded
    permutations), which keeps their statistics but not their matches."""
    base_len = nbytes // VARIANTS
    parts, size = [], 0
    while size < base_len:
        d = gen.document(8192 + gen.rng.randrange(120000))
        parts.append(d)
        size += len(d)
    base = b"".join(parts)[:base_len]
    pool = [base]
    for _ in range(VARIANTS - 1):
        perm = list(alphabet)
        gen.rng.shuffle(perm)
        pool.append(base.translate(bytes.maketrans(bytes(alphabet), bytes(perm))))
    return b"".join(pool)


LETTERS = bytes(range(ord("a"), ord("z") + 1))
NONZERO = bytes(range(1, 256))


class Pools:
    """Text-like and binary-like content to slice files from; the pools are
    1/16 of the image's size each, at least 2 MiB and at most 16 MiB."""

    def __init__(self, seed, total):
        each = max(POOL_MIN, min(POOL_MAX, total // 16))
        rng = random.Random(seed * 7919 + 17)
        vocab = Vocab(rng)
        self.text = make_pool(TextGen(random.Random(seed * 7919 + 1), vocab), each, LETTERS)
        self.bin = make_pool(BinGen(random.Random(seed * 7919 + 2), vocab), each, NONZERO)
        self.vocab = vocab


# --------------------------------------------------------------------------
# streaming: tar -> (sha256, count) -> compressor -> (sha256, count) -> blob


class Compressed:
    """A compressor subprocess whose output is hashed into a blob file."""

    def __init__(self, argv, path):
        self.path = path
        self.out = open(path, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         bufsize=CHUNK)
        except FileNotFoundError:
            self.out.close()
            sys.exit("bigimage: the `%s` command is required" % argv[0])
        self.hash = hashlib.sha256()
        self.size = 0
        self.error = None
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self):
        try:
            src = self.proc.stdout
            while True:
                b = src.read(CHUNK)
                if not b:
                    break
                self.hash.update(b)
                self.out.write(b)
                self.size += len(b)
        except Exception as e:  # reported by finish()
            self.error = e

    def write(self, data):
        self.proc.stdin.write(data)

    def abort(self):
        """Stop the compressor after a failure; the caller removes the blob."""
        self.proc.kill()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.thread.join()
        self.proc.wait()
        self.out.close()

    def finish(self):
        self.proc.stdin.close()
        self.thread.join()
        rc = self.proc.wait()
        self.out.close()
        if self.error:
            raise self.error
        if rc != 0:
            raise RuntimeError("compressor exited with status %d" % rc)
        return "sha256:" + self.hash.hexdigest(), self.size


def deflate_piece(data, zdict, level, last):
    """Raw deflate of one piece, primed with the previous piece's last 32 KiB,
    ended by a sync flush (byte-aligned, the stream goes on) or, for the last
    piece, by the final block."""
    if zdict:
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    else:
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


class ParallelGzip:
    """One gzip member (as `gzip -n -LEVEL` writes its header) deflated by a
    pool of threads, as pigz does: the stream is cut in GZ_PIECE pieces, each
    deflated by zlib with the 32 KiB before it as dictionary. The bytes
    depend only on the input and the level, not on the number of threads.
    The output is hashed and counted as it is written to the blob file."""

    def __init__(self, level, path, pool, inflight):
        self.level = level
        self.pool = pool
        self.inflight = inflight
        self.out = open(path, "wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.crc = 0
        self.isize = 0
        self.parts = []
        self.pending = 0
        self.tail = b""
        self.futs = collections.deque()
        xfl = 2 if level >= 9 else 4 if level <= 1 else 0
        self._emit(b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + bytes((xfl, 3)))

    def _emit(self, b):
        self.hash.update(b)
        self.out.write(b)
        self.size += len(b)

    def _submit(self, piece, last):
        self.crc = zlib.crc32(piece, self.crc)
        self.isize += len(piece)
        self.futs.append(self.pool.submit(deflate_piece, piece, self.tail, self.level, last))
        self.tail = piece[-32768:]
        while len(self.futs) > self.inflight:
            self._emit(self.futs.popleft().result())

    def write(self, data):
        self.parts.append(data)
        self.pending += len(data)
        if self.pending < GZ_PIECE:
            return
        buf = b"".join(self.parts)
        mv = memoryview(buf)
        off = 0
        while len(buf) - off >= GZ_PIECE:
            self._submit(bytes(mv[off:off + GZ_PIECE]), False)
            off += GZ_PIECE
        self.parts = [bytes(mv[off:])] if off < len(buf) else []
        self.pending = len(buf) - off

    def finish(self):
        self._submit(b"".join(self.parts), True)
        self.parts = []
        while self.futs:
            self._emit(self.futs.popleft().result())
        self._emit(struct.pack("<II", self.crc & 0xffffffff, self.isize & 0xffffffff))
        self.out.close()
        return "sha256:" + self.hash.hexdigest(), self.size

    def abort(self):
        for f in self.futs:
            f.cancel()
        concurrent.futures.wait(list(self.futs))
        self.out.close()


class TarStream:
    """A PAX tar written entry by entry into a sink, in CHUNK-sized writes;
    it hashes and counts what it writes (the diff_id and uncompressed size)."""

    def __init__(self, sink):
        self.sink = sink
        self.hash = hashlib.sha256()
        self.size = 0
        self.parts = []
        self.pending = 0

    def put(self, b):
        self.parts.append(b)
        self.pending += len(b)
        if self.pending >= CHUNK:
            self.flush()

    def flush(self):
        if not self.parts:
            return
        data = b"".join(self.parts)
        self.parts = []
        self.pending = 0
        self.hash.update(data)
        self.sink.write(data)
        self.size += len(data)

    def header(self, name, kind, size=0, mode=0o644, linkname=""):
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.size = size
        ti.mode = mode
        ti.mtime = MTIME
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = "root"
        ti.linkname = linkname
        self.put(ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))

    def pad(self, size):
        if size % BLOCK:
            self.put(bytes(BLOCK - size % BLOCK))

    def close(self):
        """Two zero blocks end the archive (as Go's archive/tar writes)."""
        self.put(bytes(2 * BLOCK))
        self.flush()
        return "sha256:" + self.hash.hexdigest(), self.size


# --------------------------------------------------------------------------
# a layer's file tree


PKG_DIRS = ("usr/lib/x86_64-linux-gnu", "usr/bin", "usr/sbin", "usr/libexec",
            "usr/share/doc", "usr/share", "usr/include", "etc", "opt/app/src",
            "opt/app/lib", "var/log", "usr/lib/python3/dist-packages")
PACKED_EXT = (".gz", ".png", ".jpg", ".jar", ".woff2", ".zip", ".xz", ".pyc")
TEXT_EXT = (".c", ".h", ".py", ".conf", ".txt", ".md", ".json", ".log", ".sh", ".yaml")


class LayerTree:
    """Picks entries (dirs, files of each kind, symlinks) for one layer."""

    def __init__(self, rng, pools, tar):
        self.rng = rng
        self.pools = pools
        self.tar = tar
        self.dirs = set()
        self.names = set()
        self.done = {"text": 0, "bin": 0, "packed": 0}
        self.files = 0

    def mkdirs(self, path):
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.tar.header(d + "/", tarfile.DIRTYPE, mode=0o755)

    def fresh_name(self, base, ext):
        name = base + ext
        n = 1
        while name in self.names:
            n += 1
            name = "%s%d%s" % (base, n, ext)
        self.names.add(name)
        return name

    def pick_kind(self):
        """The kind furthest below its byte share so far."""
        total = sum(self.done.values()) + 1
        want = (("text", SHARE_TEXT), ("bin", SHARE_BIN), ("packed", SHARE_PACKED))
        return min(want, key=lambda kv: self.done[kv[0]] / total - kv[1])[0]

    def pick_size(self, kind):
        rng = self.rng
        if kind == "text":
            s = int(rng.lognormvariate(8.6, 1.3))       # median ~5 KiB
            return max(16, min(s, 2 << 20))
        if kind == "bin":
            s = int(rng.lognormvariate(11.0, 1.4))      # median ~60 KiB
            return max(1024, min(s, 24 << 20))
        s = int(rng.lognormvariate(9.5, 1.5))           # median ~13 KiB
        return max(64, min(s, 8 << 20))

    def file_path(self, kind):
        rng, v = self.rng, self.pools.vocab
        pkg = "-".join(v.pick(rng, 1 + (rng.random() < 0.3)))
        if kind == "bin":
            d = rng.choice(PKG_DIRS[:4] + ("opt/app/lib",))
            if d.startswith("usr/lib"):
                return d, "lib" + pkg, ".so.%d" % (1 + rng.randrange(3))
            return d, pkg, ""
        if kind == "packed":
            d = rng.choice(("usr/share/" + pkg, "opt/app/lib", "usr/share/doc/" + pkg))
            return d, "-".join(v.pick(rng, 2)), rng.choice(PACKED_EXT)
        d = rng.choice(PKG_DIRS[3:])
        if d in ("usr/share/doc", "usr/share", "etc", "opt/app/src"):
            d = d + "/" + pkg
        return d, "_".join(v.pick(rng, 1 + (rng.random() < 0.5))), rng.choice(TEXT_EXT)

    def content(self, kind, size):
        """Yield the file's bytes: slices of the kind's pool, or random."""
        rng = self.rng
        if kind == "packed":
            left = size
            while left:
                n = min(left, CHUNK)
                yield rng.randbytes(n)
                left -= n
            return
        pool = self.pools.text if kind == "text" else self.pools.bin
        mv = memoryview(pool)
        left = size
        while left:
            n = min(left, 4096 + rng.randrange(200000))
            off = rng.randrange(len(pool) - n)
            yield mv[off:off + n]
            left -= n

    def add_file(self, kind, size):
        d, base, ext = self.file_path(kind)
        self.mkdirs(d)
        path = d + "/" + self.fresh_name(base, ext)
        mode = 0o755 if kind == "bin" and not ext else 0o644
        self.tar.header(path, tarfile.REGTYPE, size=size, mode=mode)
        for part in self.content(kind, size):
            self.tar.put(part)
        self.tar.pad(size)
        self.done[kind] += size
        self.files += 1
        if kind == "bin" and ext.startswith(".so.") and self.rng.random() < 0.5:
            link = d + "/" + self.fresh_name(base, ".so")
            self.tar.header(link, tarfile.SYMTYPE, mode=0o777,
                            linkname=os.path.basename(path))

    def fill(self, target):
        """Add files until the tar is `target` bytes (the last file is cut to
        fit; the result is within a block or two of target)."""
        end = 2 * BLOCK
        # The config's Cmd is /bin/sh: it must exist in the final filesystem.
        self.tar.header("bin/sh", tarfile.REGTYPE, size=0, mode=0o755)
        while True:
            used = self.tar.size + self.tar.pending
            left = target - used - end
            # Room for the next file: its header (and maybe a pax header and
            # new directories) and its padded content.
            if left < 8 * BLOCK:
                break
            kind = self.pick_kind()
            size = self.pick_size(kind)
            if size + 6 * BLOCK > left:
                size = max(0, (left - 6 * BLOCK) // BLOCK * BLOCK)
                # Directories for this file may take a few blocks: keep it
                # in the pool's usual entry layout, then stop.
                self.add_file(kind, size)
                break
            self.add_file(kind, size)


# --------------------------------------------------------------------------
# OCI layout


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode()


class Layout:
    def __init__(self, root):
        self.root = root
        self.blobs = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.blobs)

    def tmp_blob(self, n):
        return os.path.join(self.blobs, ".layer-%d.tmp" % n)

    def adopt(self, tmp, digest):
        os.rename(tmp, os.path.join(self.blobs, digest.split(":", 1)[1]))

    def put(self, data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.blobs, d.split(":", 1)[1]), "wb") as f:
            f.write(data)
        return d, len(data)

    def finish(self, layers, ref, created_by):
        config = {
            "created": CREATED,
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/sh"], "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": [l["diffId"] for l in layers]},
            "history": [{"created": CREATED, "created_by": "%s (layer %d)" % (created_by, i + 1)}
                        for i in range(len(layers))],
        }
        cfg_digest, cfg_size = self.put(jdump(config))
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "digest": cfg_digest, "size": cfg_size},
            "layers": [{"mediaType": l["mediaType"], "digest": l["digest"], "size": l["size"]}
                       for l in layers],
        }
        man_digest, man_size = self.put(jdump(manifest))
        index = {
            "schemaVersion": 2,
            "mediaType": MT_INDEX,
            "manifests": [{"mediaType": MT_MANIFEST, "digest": man_digest, "size": man_size,
                           "platform": {"architecture": "amd64", "os": "linux"},
                           "annotations": {"org.opencontainers.image.ref.name": ref}}],
        }
        with open(os.path.join(self.root, "index.json"), "wb") as f:
            f.write(jdump(index))
        with open(os.path.join(self.root, "oci-layout"), "wb") as f:
            f.write(jdump({"imageLayoutVersion": "1.0.0"}))
        return man_digest, cfg_digest


# --------------------------------------------------------------------------
# the two kinds of image


def compressor_argv(comp, level):
    if comp == "gzip":
        return ["gzip", "-n", "-%d" % level, "-c"]
    return ["zstd", "-q", "-%d" % level, "-T1", "-c"]


def gen_layer(lay, args, pools, make_sink, i, target):
    """Layer i: a tar of about target bytes, through the sink."""
    tmp = lay.tmp_blob(i)
    comp = make_sink(tmp)
    tar = TarStream(comp)
    tree = LayerTree(random.Random(args.seed * 1000003 + i), pools, tar)
    try:
        tree.fill(target)
        diff_id, usize = tar.close()
    except BaseException:
        comp.abort()
        raise
    digest, csize = comp.finish()
    lay.adopt(tmp, digest)
    return {"digest": digest, "size": csize, "mediaType": MT_LAYER[args.compress],
            "compression": args.compress, "diffId": diff_id,
            "uncompressedSize": usize, "files": tree.files,
            "ratio": round(usize / csize, 3) if csize else None,
            "shares": {k: round(v / max(1, usize), 3) for k, v in tree.done.items()}}


def gen_layers(lay, args):
    """gzip (default): the layers one after the other, each deflated by
    args.jobs threads. zstd, or gzip with --gzip-cmd: args.jobs layers at
    once, each through its own compressor process."""
    t0 = time.monotonic()
    pools = Pools(args.seed, args.size)
    t_pools = time.monotonic() - t0
    level = args.level if args.level is not None else DEFAULT_LEVEL[args.compress]
    per = args.size // args.layers
    targets = [per] * (args.layers - 1) + [args.size - per * (args.layers - 1)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        if args.compress == "gzip" and not args.gzip_cmd:
            how = "zlib deflate -%d in %d KiB pieces, %d thread(s)" % (
                level, GZ_PIECE >> 10, args.jobs)
            layers = [gen_layer(lay, args, pools,
                                lambda path: ParallelGzip(level, path, ex, 2 * args.jobs),
                                i, t)
                      for i, t in enumerate(targets)]
        else:
            argv = compressor_argv(args.compress, level)
            how = " ".join(argv[:-1])
            futs = [ex.submit(gen_layer, lay, args, pools,
                              lambda path: Compressed(argv, path), i, t)
                    for i, t in enumerate(targets)]
            layers = [f.result() for f in futs]
    return layers, how, t_pools


def gzip_member(data):
    """One gzip member (mtime 0, no name, OS 255) of data, at level 9."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    body = z.compress(data) + z.flush()
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    tail = struct.pack("<II", zlib.crc32(data) & 0xffffffff, len(data) & 0xffffffff)
    return head + body + tail


def write_members(lay, runs):
    """The bomb's blob, layer 0 of lay: each (gzip member, count) of runs
    written count times. Returns its digest and size."""
    tmp = lay.tmp_blob(0)
    ch = hashlib.sha256()
    size = 0
    with open(tmp, "wb") as f:
        for m, count in runs:
            for _ in range(count):
                ch.update(m)
                f.write(m)
                size += len(m)
    digest = "sha256:" + ch.hexdigest()
    lay.adopt(tmp, digest)
    return digest, size


def gen_bomb_files(lay, args):
    """One gzip layer: args.bomb zeros in files of args.bomb_file_size bytes,
    all at one path (a later entry replaces an earlier one), so no header
    declares more than one file's worth: a reader sees the size of the
    whole only by inflating it. One identical member per file, then one of
    the end marker."""
    fsize = args.bomb_file_size
    nfiles = max(1, args.bomb // fsize)
    ti = tarfile.TarInfo("var/lib/bomb/zeros.bin")
    ti.size = fsize
    ti.mode = 0o644
    ti.mtime = MTIME
    ti.uname = ti.gname = "root"
    head = ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    pad = (BLOCK - fsize % BLOCK) % BLOCK
    unit = head + bytes(fsize + pad)
    end = bytes(2 * BLOCK)
    usize = nfiles * len(unit) + len(end)
    h = hashlib.sha256()
    for _ in range(nfiles):
        h.update(unit)
    h.update(end)
    diff_id = "sha256:" + h.hexdigest()
    m_unit = gzip_member(unit)
    m_end = gzip_member(end)
    digest, size = write_members(lay, ((m_unit, nfiles), (m_end, 1)))
    return [{"digest": digest, "size": size, "mediaType": MT_LAYER["gzip"],
             "compression": "gzip", "diffId": diff_id, "uncompressedSize": usize,
             "files": nfiles, "ratio": round(usize / size, 1),
             "bomb": {"headBytes": 0, "headMember": 0, "memberBytes": len(unit),
                      "memberSize": len(m_unit), "members": nfiles}}]


def gen_bomb(lay, args):
    """One gzip layer: a tar of one file of args.bomb zeros, as members."""
    if args.bomb_file_size:
        return gen_bomb_files(lay, args)
    ti = tarfile.TarInfo("var/lib/bomb/zeros.bin")
    ti.size = args.bomb
    ti.mode = 0o644
    ti.mtime = MTIME
    ti.uname = ti.gname = "root"
    head = ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    pad = (BLOCK - args.bomb % BLOCK) % BLOCK
    zeros = args.bomb + pad + 2 * BLOCK   # everything after the headers is zero
    usize = len(head) + zeros
    # diff_id: the header, then the zero stream, hashed once.
    h = hashlib.sha256(head)
    zbuf = bytes(4 * CHUNK)
    zmv = memoryview(zbuf)
    left = zeros
    while left:
        n = min(left, len(zbuf))
        h.update(zmv[:n])
        left -= n
    diff_id = "sha256:" + h.hexdigest()
    # The blob: a member of the headers, then identical members of 64 MiB
    # of zeros, then one of the remainder.
    big = 64 * CHUNK
    whole, rest = divmod(zeros, big)
    m_head = gzip_member(head)
    m_big = gzip_member(bytes(big)) if whole else b""
    m_rest = gzip_member(bytes(rest)) if rest else b""
    digest, size = write_members(lay, ((m_head, 1), (m_big, whole),
                                       (m_rest, 1 if rest else 0)))
    return [{"digest": digest, "size": size, "mediaType": MT_LAYER["gzip"],
             "compression": "gzip", "diffId": diff_id, "uncompressedSize": usize,
             "files": 1, "ratio": round(usize / size, 1),
             # The blob's layout, to cut a prefix that inflates to a given
             # number of bytes: one member of the headBytes of headers, then
             # `members` members of memberBytes zeros, memberSize bytes each.
             "bomb": {"headBytes": len(head), "headMember": len(m_head),
                      "memberBytes": big, "memberSize": len(m_big), "members": whole}}]


# --------------------------------------------------------------------------
# command line


def parse_size(s):
    """Bytes from "123", "64M", "64MiB", "1G", "1GiB" (binary multiples)."""
    m = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)(i?b)?\s*", s.lower())
    if not m:
        raise argparse.ArgumentTypeError("not a size: %r" % s)
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30, "t": 40}[m.group(2)]


def main():
    p = argparse.ArgumentParser(description="Write a large realistic OCI layout image.")
    p.add_argument("outdir")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--size", type=parse_size, help="uncompressed tar bytes in all (K/M/G suffixes)")
    p.add_argument("--compress", choices=("gzip", "zstd"), default="gzip")
    p.add_argument("--level", type=int, help="compression level (default: gzip 6, zstd 3)")
    p.add_argument("--ref", default="latest", help="org.opencontainers.image.ref.name")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="threads deflating a gzip layer, or zstd layers made at once "
                   "(default: the number of CPUs); the bytes do not depend on it")
    p.add_argument("--gzip-cmd", action="store_true",
                   help="compress gzip layers with `gzip -n -LEVEL` (one process per "
                   "layer, slower) instead of parallel zlib")
    p.add_argument("--bomb", type=parse_size, metavar="BYTES",
                   help="write one gzip layer whose tar holds one file of BYTES zeros")
    p.add_argument("--bomb-file-size", type=parse_size, metavar="BYTES",
                   help="with --bomb: the zeros in files of BYTES each, at one path")
    args = p.parse_args()
    if args.bomb is None:
        if args.size is None:
            p.error("--size (or --bomb) is required")
        if args.layers < 1 or args.size < args.layers * 64 * 1024:
            p.error("need --layers >= 1 and at least 64 KiB per layer")
        if args.jobs < 1:
            p.error("--jobs must be >= 1")
    elif args.bomb < 0:
        p.error("--bomb must be >= 0")
    elif args.bomb_file_size is not None and args.bomb_file_size <= 0:
        p.error("--bomb-file-size must be > 0")

    out = args.outdir.rstrip("/") or args.outdir
    if os.path.lexists(out) and not os.path.isfile(os.path.join(out, "oci-layout")):
        sys.exit("bigimage: %s exists and is not an OCI layout; not replacing it" % out)
    tmp = "%s.tmp-%d" % (out, os.getpid())
    t0 = time.monotonic()
    try:
        lay = Layout(tmp)
        if args.bomb is not None:
            layers = gen_bomb(lay, args)
            how, t_pools = "bomb: gzip members of zeros (zlib -9)", 0.0
        else:
            layers, how, t_pools = gen_layers(lay, args)
        man, cfg = lay.finish(layers, args.ref, "bigimage.py")
        if os.path.lexists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    secs = time.monotonic() - t0
    usize = sum(l["uncompressedSize"] for l in layers)
    csize = sum(l["size"] for l in layers)
    summary = {"outdir": out, "ref": args.ref, "manifest": man, "config": cfg,
               "compressor": how, "uncompressedSize": usize, "size": csize,
               "ratio": round(usize / csize, 3) if csize else None,
               "seconds": round(secs, 2), "layers": layers}
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    sys.stderr.write("bigimage: %s: %d layer(s), %d bytes of tar -> %d bytes (%s), "
                     "ratio %.2f, in %.1f s (pools %.1f s, %.0f MB/s)\n"
                     % (out, len(layers), usize, csize, how, usize / max(1, csize), secs,
                        t_pools, usize / 1e6 / max(secs, 1e-9)))


if __name__ == "__main__":
    main()
