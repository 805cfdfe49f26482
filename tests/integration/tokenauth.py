#!/usr/bin/env python3
"""A Bearer token service and an enforcing front for a test registry.

One process, listening only on 127.0.0.1 (a free port, written to --port-file):

  GET  /token?service=S&scope=repository:REPO:pull,push[&scope=...]
       (optional Basic auth; users from --users) -> JSON {"token", "access_token",
       "expires_in", "issued_at"}; the token is an HMAC-signed blob with the
       granted scopes and the expiry.
  POST /token (OAuth2 form: grant_type=password|refresh_token) -> the same;
       a password grant also returns a "refresh_token".
  anything else (/v2/...) needs "Authorization: Bearer TOKEN" with a scope
       covering the request (pull for GET/HEAD, push for POST/PUT/PATCH/DELETE;
       /v2/ needs any valid token), else 401 with a WWW-Authenticate Bearer
       challenge; authorized requests are proxied to --upstream with bodies
       streamed both ways and Location headers rewritten to this front.

Every request is logged to --log as a JSON line (never a password or a token):
  {"t", "method", "path", "kind", "status", "user", "granted", "count"}
where count is the running number of requests of that (method, kind); at exit a
{"summary": {"GET manifest": N, ...}} line is added.

Options: --users user:pass[,user:pass...]  --pull-only user[,user]  --anon-pull
--deny repo[,repo] (no access for anyone)
--ttl SECONDS (60)  --service NAME (ocigate-test)  --mount-requires-pull-on-source
--upstream http://127.0.0.1:PORT  --port-file FILE  --log FILE
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
}
PATH_RE = re.compile(r"^/v2/(.+?)/(manifests|blobs/uploads|blobs|tags|referrers)(/.*)?$")


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class State:
    def __init__(self, args):
        self.args = args
        self.key = secrets.token_bytes(32)
        self.users = {}
        for item in filter(None, (args.users or "").split(",")):
            user, _, password = item.partition(":")
            self.users[user] = password
        self.pull_only = set(filter(None, (args.pull_only or "").split(",")))
        self.deny = set(filter(None, (args.deny or "").split(",")))
        self.lock = threading.Lock()
        self.counts = {}
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.port = 0
        self.upstream = urllib.parse.urlsplit(args.upstream) if args.upstream else None

    # -- tokens -------------------------------------------------------------
    def issue(self, user, access, kind="access"):
        now = int(time.time())
        body = {"sub": user or "", "access": access, "iat": now, "kind": kind,
                "exp": now + self.args.ttl if kind == "access" else now + 86400,
                "jti": secrets.token_hex(8)}
        payload = b64u(json.dumps(body, separators=(",", ":")).encode())
        sig = b64u(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())
        return payload + "." + sig, body

    def verify(self, token, kind="access"):
        """The token's claims, or (None, reason)."""
        payload, _, sig = token.partition(".")
        want = b64u(hmac.new(self.key, payload.encode(), hashlib.sha256).digest())
        if not sig or not hmac.compare_digest(want, sig):
            return None, "invalid_token"
        try:
            body = json.loads(unb64u(payload))
        except ValueError:
            return None, "invalid_token"
        if body.get("kind") != kind:
            return None, "invalid_token"
        if body.get("exp", 0) <= time.time():
            return None, "invalid_token"
        return body, None

    def allowed_actions(self, user):
        if user is None:
            return {"pull"} if self.args.anon_pull else set()
        if user in self.pull_only:
            return {"pull"}
        return {"pull", "push"}

    def grant(self, user, scopes):
        allowed = self.allowed_actions(user)
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name, actions = ":".join(parts[1:-1]), parts[-1].split(",")
            if name in self.deny:
                continue
            if "*" in actions:
                actions = ["pull", "push"]
            got = sorted(a for a in set(actions) if a in allowed)
            if got:
                access.append({"type": "repository", "name": name, "actions": got})
        return access

    # -- log ----------------------------------------------------------------
    def record(self, method, path, kind, status, user=None, granted=None):
        with self.lock:
            key = method + " " + kind
            self.counts[key] = self.counts.get(key, 0) + 1
            if not self.log:
                return
            line = {"t": round(time.time(), 3), "method": method, "path": path,
                    "kind": kind, "status": status, "user": user,
                    "count": self.counts[key]}
            if granted is not None:
                line["granted"] = granted
            self.log.write(json.dumps(line) + "\n")
            self.log.flush()

    def summary(self):
        with self.lock:
            if self.log:
                self.log.write(json.dumps({"summary": self.counts}) + "\n")
                self.log.flush()


def path_kind(path):
    if path == "/token":
        return "token"
    if path in ("/v2", "/v2/"):
        return "base"
    if path.startswith("/v2/_catalog"):
        return "catalog"
    m = PATH_RE.match(path)
    if not m:
        return "other"
    return {"manifests": "manifest", "blobs": "blob", "blobs/uploads": "upload",
            "tags": "tags", "referrers": "referrers"}[m.group(2)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ocigate-tokenauth/1"

    def log_message(self, fmt, *args):  # quiet: our own JSON log instead
        pass

    @property
    def st(self):
        return self.server.state

    # -- helpers ----------------------------------------------------------
    def send_json(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def drain_body(self):
        """Read (and drop) a request body we answer without proxying, so the
        connection stays usable."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            for _ in self.read_chunked():
                pass
            return
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, CHUNK))
            if not got:
                break
            n -= len(got)

    def read_chunked(self):
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise ConnectionError("truncated chunked body")
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers
                    t = self.rfile.readline(65537)
                    if t in (b"\r\n", b"\n", b""):
                        return
            left = size
            while left > 0:
                got = self.rfile.read(min(left, CHUNK))
                if not got:
                    raise ConnectionError("truncated chunk")
                left -= len(got)
                yield got
            self.rfile.readline(3)

    # -- /token -----------------------------------------------------------
    def basic_user(self):
        """(user or None, ok). ok is False for a wrong password."""
        h = self.headers.get("Authorization", "")
        if not h[:6].lower() == "basic ":
            return None, True
        try:
            user, _, password = base64.b64decode(h[6:].strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, False
        return self.check_password(user, password)

    def check_password(self, user, password):
        want = self.st.users.get(user)
        if want is None or not hmac.compare_digest(want.encode(), password.encode()):
            return None, False
        return user, True

    def token_reply(self, user, scopes, with_refresh=False):
        access = self.st.grant(user, scopes)
        token, body = self.st.issue(user, access)
        reply = {"token": token, "access_token": token, "expires_in": self.st.args.ttl,
                 "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(body["iat"]))}
        if with_refresh and user:
            reply["refresh_token"], _ = self.st.issue(user, [], kind="refresh")
        self.st.record(self.command, self.path.split("?", 1)[0], "token", 200, user,
                       ["repository:%s:%s" % (a["name"], ",".join(a["actions"])) for a in access])
        self.send_json(200, reply)

    def token_denied(self, user=None):
        self.st.record(self.command, "/token", "token", 401, user, [])
        self.send_json(401, {"errors": [{"code": "UNAUTHORIZED",
                                         "message": "invalid user name or password"}]},
                       [("WWW-Authenticate", 'Basic realm="ocigate-test-token"')])

    def get_token(self, query):
        user, ok = self.basic_user()
        if not ok:
            return self.token_denied()
        scopes = []
        for s in query.get("scope", []):
            scopes.extend(s.split())
        self.token_reply(user, scopes)

    def post_token(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 65536:
            self.drain_body()
            return self.send_json(400, {"error": "invalid_request"})
        form = urllib.parse.parse_qs(self.rfile.read(n).decode("utf-8", "replace"))
        grant = (form.get("grant_type") or [""])[0]
        scopes = []
        for s in form.get("scope", []):
            scopes.extend(s.split())
        if grant == "password":
            user, ok = self.check_password((form.get("username") or [""])[0],
                                           (form.get("password") or [""])[0])
            if not ok:
                return self.token_denied()
            return self.token_reply(user, scopes, with_refresh=True)
        if grant == "refresh_token":
            body, _ = self.st.verify((form.get("refresh_token") or [""])[0], kind="refresh")
            if not body:
                return self.token_denied()
            return self.token_reply(body["sub"], scopes)
        self.st.record("POST", "/token", "token", 400)
        self.send_json(400, {"error": "unsupported_grant_type"})

    # -- the front ----------------------------------------------------------
    def required(self, path, query):
        """[(repo, action)] this request needs, and the challenge scope."""
        m = PATH_RE.match(path)
        if not m:
            return [], None
        repo = m.group(1)
        write = self.command in ("POST", "PUT", "PATCH", "DELETE")
        need = [(repo, "pull")] if not write else [(repo, "push")]
        scope = "repository:%s:%s" % (repo, "pull,push" if write else "pull")
        if (write and self.command == "POST" and m.group(2) == "blobs/uploads"
                and "mount" in query and "from" in query
                and self.st.args.mount_requires_pull_on_source):
            src = query["from"][0]
            need.append((src, "pull"))
            scope += " repository:%s:pull" % src
        return need, scope

    def challenge(self, scope, error, kind, user, repo_actions):
        parts = ['realm="http://127.0.0.1:%d/token"' % self.st.port,
                 'service="%s"' % self.st.args.service]
        if scope:
            parts.append('scope="%s"' % scope)
        if error:
            parts.append('error="%s"' % error)
        self.drain_body()
        self.st.record(self.command, self.path, kind, 401, user)
        detail = [{"Type": "repository", "Name": r, "Action": a} for r, a in repo_actions]
        self.send_json(401, {"errors": [{
            "code": "UNAUTHORIZED",
            "message": {"insufficient_scope": "insufficient scope",
                        "invalid_token": "invalid or expired token"}.get(
                            error, "authentication required"),
            "detail": detail}]},
            [("WWW-Authenticate", "Bearer " + ",".join(parts)),
             ("Docker-Distribution-Api-Version", "registry/2.0")])

    def front(self):
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path, urllib.parse.parse_qs(split.query)
        kind = path_kind(path)
        need, scope = self.required(path, query)
        h = self.headers.get("Authorization", "")
        if h[:7].lower() != "bearer ":
            return self.challenge(scope, None, kind, None, need)
        claims, reason = self.st.verify(h[7:].strip())
        if not claims:
            return self.challenge(scope, reason, kind, None, need)
        have = {(a["name"], act) for a in claims["access"] for act in a["actions"]}
        if any(n not in have for n in need):
            return self.challenge(scope, "insufficient_scope", kind, claims["sub"] or None, need)
        self.proxy(kind, claims["sub"] or None)

    def proxy(self, kind, user):
        up = self.st.upstream
        if up is None:
            self.drain_body()
            self.st.record(self.command, self.path, kind, 502, user)
            return self.send_json(502, {"errors": [{"code": "UNKNOWN", "message": "no upstream"}]})
        conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=120)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", up.netloc)
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            for k, v in self.headers.items():
                lk = k.lower()
                if lk in HOP_BY_HOP or lk in ("host", "authorization"):
                    continue
                conn.putheader(k, v)
            if chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            if chunked:
                for piece in self.read_chunked():
                    conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
                conn.send(b"0\r\n\r\n")
            else:
                n = int(self.headers.get("Content-Length") or 0)
                while n > 0:
                    got = self.rfile.read(min(n, CHUNK))
                    if not got:
                        raise ConnectionError("client body truncated")
                    conn.send(got)
                    n -= len(got)
            resp = conn.getresponse()
            self.send_response(resp.status, resp.reason)
            length = resp.getheader("Content-Length")
            for k, v in resp.getheaders():
                lk = k.lower()
                if lk in HOP_BY_HOP:
                    continue
                if lk == "location":
                    v = self.rewrite_location(v)
                self.send_header(k, v)
            body_allowed = self.command != "HEAD" and resp.status not in (204, 304) \
                and not 100 <= resp.status < 200
            if body_allowed and length is None:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if body_allowed:
                while True:
                    piece = resp.read(CHUNK)
                    if not piece:
                        break
                    if length is None:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
                if length is None:
                    self.wfile.write(b"0\r\n\r\n")
            self.st.record(self.command, self.path, kind, resp.status, user)
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.st.record(self.command, self.path, kind, 599, user)
            self.close_connection = True
            try:
                self.send_json(502, {"errors": [{"code": "UNKNOWN", "message": "upstream: %s" % e}]})
            except OSError:
                pass
        finally:
            conn.close()

    def rewrite_location(self, value):
        up = self.st.upstream
        front = "http://127.0.0.1:%d" % self.st.port
        for base in ("%s://%s" % (up.scheme, up.netloc),):
            if value.startswith(base):
                return front + value[len(base):]
        return value

    # -- dispatch -------------------------------------------------------------
    def dispatch(self):
        split = urllib.parse.urlsplit(self.path)
        try:
            if split.path == "/token":
                if self.command == "GET":
                    return self.get_token(urllib.parse.parse_qs(split.query))
                if self.command == "POST":
                    return self.post_token()
                self.drain_body()
                self.st.record(self.command, "/token", "token", 405)
                return self.send_json(405, {"error": "method not allowed"})
            return self.front()
        except (ConnectionError, BrokenPipeError, ValueError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = dispatch


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--upstream")
    ap.add_argument("--users", default="")
    ap.add_argument("--pull-only", default="")
    ap.add_argument("--anon-pull", action="store_true")
    ap.add_argument("--deny", default="", help="repositories nobody gets any access to")
    ap.add_argument("--ttl", type=int, default=60)
    ap.add_argument("--service", default="ocigate-test")
    ap.add_argument("--log")
    ap.add_argument("--mount-requires-pull-on-source", action="store_true")
    args = ap.parse_args()
    if args.upstream:
        u = urllib.parse.urlsplit(args.upstream)
        if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost", "::1"):
            ap.error("--upstream must be http://127.0.0.1:PORT")

    state = State(args)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = state
    state.port = server.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % state.port)
    os.replace(tmp, args.port_file)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        state.summary()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
