#!/usr/bin/env python3
"""A fault-injecting reverse proxy in front of a registry on 127.0.0.1 (tests only).

    faultproxy.py --upstream http://127.0.0.1:PORT [--listen 127.0.0.1:PORT]
                  [--faults FILE] [--log FILE] [--port-file FILE]

Every request is forwarded to the upstream, bodies streamed both ways in fixed-size
chunks (never a whole blob in memory); Range and other headers pass through; Location
headers that name the upstream are rewritten to name the proxy.

Fault rules (JSON: a list, or {"rules": [...]}) are tried in order; the first rule
whose match fits and whose occurrence counter selects this request applies:

    {"method": "GET",            optional, exact (case-insensitive)
     "path": "/blobs/sha256:",   optional, a regex searched in the path + query
     "nth": 2,                   optional: only the 2nd matching request (1-based)
     "from": 2,                  optional: the 2nd matching request and every later one
     "count": 3,                 optional: at most 3 applications (with "from" or alone)
     ...one fault:
     "status": 429, "retry_after": "1"        answer 429 with Retry-After: 1
     "status": 429, "retry_after_date": true  Retry-After as an HTTP-date
                                              ("retry_after" seconds ahead, default 1)
     "status": 503                            any status, a registry-style JSON error body
     "reset_after": N                         send headers + N body bytes, then RST
     "stall_after": N, "seconds": S           send headers + N body bytes, then silence
                                              for S seconds, then close
     "drop": true                             close the connection without answering
     "delay": S                               (alone or with another fault) wait S
                                              seconds before answering
     "set_headers": {"K": "V"}                forward, but answer with these response
                                              headers replaced (e.g. a wrong
                                              Docker-Content-Digest)
     "strip_query": true                      forward without the query string (a
                                              mount POST becomes a plain upload
                                              start: the registry answers 202)
    }

Without nth/from/count a rule applies to every matching request.

Control endpoints (never forwarded):
    POST /__faults   body = new rules (counters reset); answers 204
    GET  /__faults   the rules and the per-rule match counters
    GET  /__health   200

Every request is logged as one JSON line (--log): {"ts", "method", "path", "status",
"fault", "bytes", "upstream"} where status is what the client got (0 = no answer),
fault is the rule's fault description or null and bytes the body bytes sent.
"""

import argparse
import email.utils
import http.client
import http.server
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

CHUNK = 64 * 1024
HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "proxy-connection",
}


class State:
    def __init__(self, upstream, log_path):
        self.lock = threading.Lock()
        self.rules = []
        self.counters = []
        self.applied = []
        self.upstream = urllib.parse.urlsplit(upstream)
        self.upstream_base = "%s://%s" % (self.upstream.scheme, self.upstream.netloc)
        self.log_path = log_path
        self.log_lock = threading.Lock()

    def set_rules(self, doc):
        if isinstance(doc, dict):
            doc = doc.get("rules", [])
        if not isinstance(doc, list):
            raise ValueError("rules must be a list")
        compiled = []
        for r in doc:
            if not isinstance(r, dict):
                raise ValueError("a rule must be an object")
            rx = re.compile(r["path"]) if "path" in r else None
            compiled.append((r, rx))
        with self.lock:
            self.rules = compiled
            self.counters = [0] * len(compiled)
            self.applied = [0] * len(compiled)

    def pick(self, method, path):
        with self.lock:
            for i, (r, rx) in enumerate(self.rules):
                if "method" in r and r["method"].upper() != method.upper():
                    continue
                if rx is not None and not rx.search(path):
                    continue
                self.counters[i] += 1
                n = self.counters[i]
                if "nth" in r and n != int(r["nth"]):
                    continue
                if "from" in r and n < int(r["from"]):
                    continue
                if "count" in r and self.applied[i] >= int(r["count"]):
                    continue
                self.applied[i] += 1
                return r
        return None

    def dump(self):
        with self.lock:
            return {"rules": [r for r, _ in self.rules], "matched": list(self.counters),
                    "applied": list(self.applied)}

    def log(self, rec):
        if not self.log_path:
            return
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.log_lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line)


def fault_desc(rule):
    if rule is None:
        return None
    return {k: v for k, v in rule.items() if k not in ("method", "path", "nth", "from", "count")}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultproxy"

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    # -- helpers -------------------------------------------------------------------

    def _state(self):
        return self.server.og_state

    def _read_body_chunks(self):
        """Yield the request body in pieces (Content-Length or chunked)."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    return
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailers up to the empty line
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return
                left = size
                while left > 0:
                    b = self.rfile.read(min(CHUNK, left))
                    if not b:
                        return
                    left -= len(b)
                    yield b
                self.rfile.readline(3)
        else:
            left = int(self.headers.get("Content-Length", "0") or "0")
            while left > 0:
                b = self.rfile.read(min(CHUNK, left))
                if not b:
                    return
                left -= len(b)
                yield b

    def _discard_body(self):
        for _ in self._read_body_chunks():
            pass

    def _abort(self):
        """Close the client socket abruptly (RST)."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _log(self, status, rule, nbytes, upstream):
        self._state().log({
            "ts": time.time(), "method": self.command, "path": self.path, "status": status,
            "fault": fault_desc(rule), "bytes": nbytes, "upstream": upstream,
        })

    def _control(self):
        st = self._state()
        if self.path == "/__health":
            self._discard_body()
            self._send_simple(200, b"ok\n", "text/plain")
            return True
        if self.path == "/__faults":
            if self.command == "POST":
                body = b"".join(self._read_body_chunks())
                try:
                    st.set_rules(json.loads(body.decode("utf-8") or "[]"))
                except (ValueError, KeyError, re.error) as e:
                    self._send_simple(400, ("bad rules: %s\n" % e).encode(), "text/plain")
                    return True
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
            self._discard_body()
            self._send_simple(200, json.dumps(st.dump()).encode(), "application/json")
            return True
        return False

    def _send_simple(self, status, body, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _rewrite_location(self, value):
        st = self._state()
        if value.startswith(st.upstream_base):
            host = self.headers.get("Host") or ("%s:%d" % self.server.server_address[:2])
            return "http://%s%s" % (host, value[len(st.upstream_base):])
        return value

    # -- the proxy -----------------------------------------------------------------

    def _handle(self):
        if self.path.startswith("/__"):
            if self._control():
                return
        st = self._state()
        rule = st.pick(self.command, self.path)
        if rule is not None and "delay" in rule:
            time.sleep(float(rule["delay"]))
        if rule is not None and rule.get("drop"):
            self._log(0, rule, 0, False)
            self._abort()
            return
        if rule is not None and "status" in rule:
            self._discard_body()
            status = int(rule["status"])
            extra = {}
            if rule.get("retry_after_date"):
                secs = float(rule.get("retry_after", 1))
                extra["Retry-After"] = email.utils.formatdate(time.time() + secs, usegmt=True)
            elif "retry_after" in rule:
                extra["Retry-After"] = str(rule["retry_after"])
            code = {429: "TOOMANYREQUESTS", 401: "UNAUTHORIZED", 403: "DENIED",
                    404: "NOT_FOUND"}.get(status, "UNAVAILABLE")
            body = json.dumps({"errors": [{"code": code, "message": "faultproxy: injected %d" % status,
                                           "detail": None}]}).encode()
            self._send_simple(status, body, "application/json", extra)
            self._log(status, rule, len(body), False)
            return
        self._forward(rule)

    def _forward(self, rule):
        st = self._state()
        up = st.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=300)
        try:
            path = self.path
            if rule is not None and rule.get("strip_query"):
                path = path.split("?", 1)[0]
            conn.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            for k, v in self.headers.items():
                if k.lower() in HOP:
                    continue
                conn.putheader(k, v)
            if chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for b in self._read_body_chunks():
                if chunked:
                    conn.send(b"%x\r\n" % len(b) + b + b"\r\n")
                else:
                    conn.send(b)
            if chunked:
                conn.send(b"0\r\n\r\n")
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            body = ("faultproxy: upstream failed: %s\n" % e).encode()
            try:
                self._send_simple(502, body, "text/plain")
            except OSError:
                pass
            self._log(502, rule, len(body), False)
            conn.close()
            return
        limit = None
        stall = None
        if rule is not None and "reset_after" in rule:
            limit = int(rule["reset_after"])
        elif rule is not None and "stall_after" in rule:
            limit = int(rule["stall_after"])
            stall = float(rule.get("seconds", 30))
        sent = 0
        try:
            self.send_response_only(resp.status, resp.reason)
            length = resp.getheader("Content-Length")
            override = {}
            if rule is not None and isinstance(rule.get("set_headers"), dict):
                override = {k.lower(): (k, str(v)) for k, v in rule["set_headers"].items()}
            for k, v in resp.getheaders():
                kl = k.lower()
                if kl in HOP or kl in override:
                    continue
                if kl == "location":
                    v = self._rewrite_location(v)
                self.send_header(k, v)
            for k, v in override.values():
                self.send_header(k, v)
            body_expected = self.command != "HEAD" and resp.status not in (204, 304) \
                and not 100 <= resp.status < 200
            if body_expected and length is None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if body_expected:
                while True:
                    want = CHUNK
                    if limit is not None:
                        want = min(want, limit - sent)
                        if want <= 0:
                            break
                    b = resp.read(want)
                    if not b:
                        break
                    self.wfile.write(b)
                    sent += len(b)
            self.wfile.flush()
        except OSError:
            self._log(resp.status, rule, sent, True)
            conn.close()
            self.close_connection = True
            return
        conn.close()
        if limit is not None and (rule.get("reset_after") is not None or stall is not None):
            if stall is not None:
                self._log(resp.status, rule, sent, True)
                time.sleep(stall)
                self._abort()
                return
            self._log(resp.status, rule, sent, True)
            self._abort()
            return
        self._log(resp.status, rule, sent, True)

    def do_GET(self):
        self._handle()

    do_HEAD = do_GET
    do_POST = do_GET
    do_PUT = do_GET
    do_PATCH = do_GET
    do_DELETE = do_GET
    do_OPTIONS = do_GET


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="fault-injecting reverse proxy for registry tests")
    ap.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--listen", default="127.0.0.1:0", help="127.0.0.1:PORT (0 = any free)")
    ap.add_argument("--faults", help="a JSON file of fault rules")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    a = ap.parse_args()
    host, _, port = a.listen.rpartition(":")
    if host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("faultproxy: only 127.0.0.1 / ::1 may be used")
    up = urllib.parse.urlsplit(a.upstream)
    if up.scheme != "http" or up.hostname not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("faultproxy: the upstream must be http://127.0.0.1:PORT")
    st = State(a.upstream, a.log)
    if a.faults:
        with open(a.faults, encoding="utf-8") as f:
            st.set_rules(json.load(f))
    srv = Server((host, int(port)), Handler)
    srv.og_state = st
    if a.port_file:
        with open(a.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
