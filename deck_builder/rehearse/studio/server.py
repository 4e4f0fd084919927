"""The studio's HTTP side: the standard library's ThreadingHTTPServer on 127.0.0.1 only.

Who may ask: every request must name this server as its Host (a DNS-rebinding page names
its own) and must not come from another origin (Origin, Sec-Fetch-Site). The page and its
two static files (package files, no user data) are served to such requests; everything
else must carry the secret as an X-Studio-Key header, or, for a recording that an <audio>
element fetches, a signature of that one recording's path (?sig=). Everything else gets 403.

The secret travels in the address's fragment (#key=), which browsers never send, and the
page keeps it in sessionStorage, which is per origin (port included). There is no cookie:
browsers send cookies to every port of a host (RFC 6265, 8.5: "cookies do not provide
isolation by port"), so a cookie would reach any other server on 127.0.0.1.

Routes are fixed; a recording is found only by a name the server gave it (recordings.py),
static files only from a fixed list of package files. A recording comes whole (POST
.../answers/N/recording, the fallback) or in pieces while the answer goes on (POST
.../answers/N/chunk?seq=K, K = 0, 1, 2, ... in order, the last with &last=1&seconds=S), each
piece read whole (at most CHUNK_LIMIT bytes) before the studio appends it and hears it. One studio per workspace: the running
one is written to WORKSPACE/.deck-builder/studio.json and a second one is told where it is.
Its port and key are remembered in WORKSPACE/.deck-builder/studio-address.json, so the
address stays the same across restarts while that port is free (the browser remembers the
microphone permission per address, and an open page keeps working).
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ...atomic import replacing
from ...sources.problems import UserError
from ...sources.workspace import STATE_DIR
from .app import CHUNK_LIMIT, ApiError, Studio

LOCK_FILE = "studio.json"
ADDRESS_FILE = "studio-address.json"
KEY_HEADER = "X-Studio-Key"
OPEN_ROUTES = {"index", "static"}  # package files only: the page itself brings the key
BACKLOG = 256  # connections waiting to be accepted; socketserver's default of 5 drops a burst of 200
MAX_SECONDS = 86400
JSON_LIMIT = 64 * 1024
LINGER_SECONDS = 5  # how long the rest of a refused request's body may keep coming
STATIC = {"studio.js": "text/javascript; charset=utf-8", "studio.css": "text/css; charset=utf-8"}
ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ROUTES = {
    "GET": [
        (re.compile(r"/api/state"), "state"),
        (re.compile(r"/api/progress"), "progress"),
        (re.compile(r"/api/alive"), "alive"),
        (re.compile(r"/api/mock/([0-9a-f]{16})/report"), "report"),
        (re.compile(r"/api/mock/([0-9a-f]{16})/answers/(\d{1,3})/heard"), "heard"),
        (re.compile(rf"/recordings/({ID})/([0-9A-Za-z.-]+)"), "recording"),
        (re.compile(r"/static/([a-z]+\.[a-z]+)"), "static"),
        (re.compile(r"/"), "index"),
    ],
    "POST": [
        (re.compile(r"/api/mock"), "start_mock"),
        (re.compile(r"/api/mock/([0-9a-f]{16})/answers/(\d{1,3})/recording"), "upload"),
        (re.compile(r"/api/mock/([0-9a-f]{16})/answers/(\d{1,3})/chunk"), "chunk"),
        (re.compile(r"/api/mock/([0-9a-f]{16})/answers/(\d{1,3})/rating"), "rate"),
        (re.compile(r"/api/settings"), "settings"),
    ],
    "DELETE": [
        (re.compile(rf"/api/recordings/({ID})/([0-9A-Za-z.-]+)"), "delete_recording"),
    ],
}
# The page needs nothing from anywhere else; the microphone only for itself.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
    "Cache-Control": "no-store",
}
REFUSED = ("This is deck-builder studio. It answers only the page it opened itself: open the address "
           "that `deck-builder studio` printed in its terminal (it carries a key).\n")
RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")  # 18 digits: any file, and no huge int() to parse
OLD_COOKIE = re.compile(r"(?:^|;)\s*(deck-builder-studio-\d{1,5})=")  # see _index


class StudioServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG
    # The remembered port must be free again at once after a stop (its old connections linger
    # in TIME_WAIT). Only on Linux: elsewhere SO_REUSEADDR lets a socket share a port that
    # another program listens on (all of it on Windows, its wildcard address on macOS); there
    # a port still in TIME_WAIT means a new address instead.
    allow_reuse_address = sys.platform.startswith("linux")

    def __init__(self, studio: Studio, port: int = 0, secret: str | None = None):
        self.studio = studio
        self.secret = secret or secrets.token_urlsafe(32)
        try:
            super().__init__(("127.0.0.1", port), Handler)
        except OSError as exc:
            if not port or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            self.secret = secrets.token_urlsafe(32)  # another address: another key
            super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        self.origins = {f"http://{host}" for host in self.hosts}
        studio.link_key = hmac.new(self.secret.encode(), b"recording links", hashlib.sha256).digest()

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the address up in DNS (getfqdn); this one is known.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request, client_address) -> None:
        """A client that went away (a closed tab, a reset) is no error; anything else is a bug."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def url(self) -> str:
        return f"{self.address}#key={self.secret}"


class Handler(BaseHTTPRequestHandler):
    server: StudioServer
    protocol_version = "HTTP/1.1"
    server_version = "deck-builder-studio"
    sys_version = ""
    timeout = 60  # a stalled upload or idle connection frees its thread
    _unread_body = False  # the last answer was sent before its request's body was read

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- who may ask -----------------------------------------------------------------------

    def _refusal(self, route: str | None, query: dict, groups: tuple) -> str | None:
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].lower() not in self.server.hosts:
            return "foreign Host"
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower() not in self.server.origins:
            return "cross-site Origin"
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return "cross-site request"
        if route in OPEN_ROUTES:
            return None
        keys = self.headers.get_all(KEY_HEADER) or []
        if len(keys) == 1 and hmac.compare_digest(keys[0].strip().encode(), self.server.secret.encode()):
            return None
        if route == "recording" and self.server.studio.link_ok(*groups, query.get("sig", [""])[0]):
            return None
        return "no key"

    # -- dispatch --------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        self._body_read = False
        try:
            try:
                self._route(method)
            except ApiError as exc:
                self._send_json(exc.status, {"error": exc.message, "problems": exc.problems})
        except (ConnectionError, TimeoutError):  # the client went away, maybe mid-upload
            self.close_connection = True
        except Exception as exc:  # a bug: say so in the terminal and the page, keep serving
            print(f"studio: internal error on {method} {urlsplit(self.path).path}: {type(exc).__name__}: {exc}",
                  file=sys.stderr)
            try:
                self._send_json(500, {"error": f"internal error ({type(exc).__name__}); please report it"})
            except OSError:
                self.close_connection = True

    def _route(self, method: str) -> None:
        self.server.studio.expire_streams()  # recordings whose pieces stopped coming (a page closed)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        route, groups = None, ()
        for pattern, name in ROUTES.get(method, []):
            m = pattern.fullmatch(url.path)
            if m:
                route, groups = name, m.groups()
                break
        if self._refusal(route, query, groups):
            self._send(403, REFUSED.encode(), "text/plain; charset=utf-8")
        elif route is None:
            self._send_json(404, {"error": f"nothing at {url.path}"})
        else:
            getattr(self, f"_{route}")(query, *groups)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in {**HEADERS, **(headers or {})}.items():
            for one in value if isinstance(value, list) else [value]:
                self.send_header(name, one)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if not self._body_read and (self.headers.get("Content-Length") not in (None, "0")
                                    or self.headers.get("Transfer-Encoding")):
            # The request's body was not read: it must not be taken for the next request.
            self.send_header("Connection", "close")
            self.close_connection = True
            self._unread_body = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def finish(self) -> None:
        super().finish()
        if self._unread_body:
            self._drain()

    def _drain(self) -> None:
        """Let the rest of a refused request's body come in, and drop it, for a few seconds at most.

        An upload over the limit is refused from its Content-Length, but a client may send the
        whole body before it reads the answer. Closing a socket that is still being sent to
        resets the connection, and such a client then sees that instead of the answer (Python's
        http.client does; Chromium happens to read the answer anyway)."""
        sock = self.connection
        deadline = time.monotonic() + LINGER_SECONDS
        try:
            sock.shutdown(socket.SHUT_WR)  # the answer is complete: the client may read it now
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                if not sock.recv(64 * 1024):
                    return  # the client has read the answer and closed
        except OSError:  # reset or timed out: nothing more to wait for
            pass

    def _send_json(self, status: int, data) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _json_body(self) -> dict:
        if self.headers.get_content_type() != "application/json":
            raise ApiError(415, "expected a JSON body (Content-Type: application/json)")
        length = self._length()
        if length is None or length > JSON_LIMIT:
            raise ApiError(413, f"a JSON body of at most {JSON_LIMIT} bytes, with its Content-Length")
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionResetError
        self._body_read = True
        try:
            body = json.loads(data.decode("utf-8"))
        except ValueError:
            raise ApiError(400, "the body is not valid JSON") from None
        except RecursionError:
            raise ApiError(400, "the body is JSON nested too deeply") from None
        if not isinstance(body, dict):
            raise ApiError(400, "expected a JSON object")
        return body

    def _length(self) -> int | None:
        if self.headers.get("Transfer-Encoding"):
            return None  # chunked bodies are not accepted: the size must be known first
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return None
        return length if length >= 0 else None

    # -- routes ----------------------------------------------------------------------------

    def _index(self, query: dict) -> None:
        page = (resources.files("deck_builder.rehearse.studio") / "static" / "index.html").read_bytes()
        # Earlier studios kept the key in a cookie, which the browser sends to every port of
        # 127.0.0.1 until it is closed: end those cookies.
        old = {m.group(1) for header in self.headers.get_all("Cookie") or [] for m in OLD_COOKIE.finditer(header)}
        headers = {"Set-Cookie": [f"{name}=; Path=/; Max-Age=0" for name in sorted(old)]} if old else None
        self._send(200, page, "text/html; charset=utf-8", headers)

    def _static(self, query: dict, name: str) -> None:
        if name not in STATIC:
            raise ApiError(404, f"nothing at /static/{name}")
        self._send(200, (resources.files("deck_builder.rehearse.studio") / "static" / name).read_bytes(), STATIC[name])

    def _alive(self, query: dict) -> None:
        self._send_json(200, {"root": str(self.server.studio.root.resolve()), "pid": os.getpid()})

    def _state(self, query: dict) -> None:
        self._send_json(200, self.server.studio.state())

    def _progress(self, query: dict) -> None:
        company = parse_qs(urlsplit(self.path).query, keep_blank_values=True).get("company")  # "": no company
        self._send_json(200, self.server.studio.progress(company[0] if company else None))

    def _report(self, query: dict, sid: str) -> None:
        self._send_json(200, self.server.studio.report(sid))

    def _heard(self, query: dict, sid: str, index: str) -> None:
        recording = query.get("recording", [None])[0]  # one take ("try again"); else the newest
        self._send_json(200, self.server.studio.heard(sid, int(index), recording))

    def _start_mock(self, query: dict) -> None:
        self._send_json(201, self.server.studio.start_mock(self._json_body()))

    def _rate(self, query: dict, sid: str, index: str) -> None:
        self._send_json(201, self.server.studio.rate(sid, int(index), self._json_body()))

    def _settings(self, query: dict) -> None:
        self._send_json(200, self.server.studio.change_settings(self._json_body()))

    def _upload(self, query: dict, sid: str, index: str) -> None:
        try:
            seconds = float(query.get("seconds", ["0"])[0])
        except ValueError:
            seconds = math.nan
        if not 0 <= seconds <= MAX_SECONDS:  # NaN, inf and -1 too
            raise ApiError(400, f"seconds: expected the answer's length, from 0 to {MAX_SECONDS}")
        result = self.server.studio.save_recording(sid, int(index), self.headers.get_content_type(), self.rfile,
                                                   self._length(), seconds)
        self._body_read = True
        self._send_json(201, result)

    def _chunk(self, query: dict, sid: str, index: str) -> None:
        """A piece of the answer's recording while it is made: ?seq=K (0, 1, 2, ... in order);
        the last one says &last=1&seconds=S, and its answer is the upload's."""
        seq = query.get("seq", [""])[0]
        if not re.fullmatch(r"\d{1,6}", seq):
            raise ApiError(400, "seq: expected the piece's number, 0 for the first")
        last = query.get("last", ["0"])[0]
        if last not in ("0", "1"):
            raise ApiError(400, "last: expected 1 for the last piece, or nothing")
        seconds = 0.0
        if last == "1":
            try:
                seconds = float(query.get("seconds", [""])[0])
            except ValueError:
                seconds = math.nan
            if not 0 <= seconds <= MAX_SECONDS:
                raise ApiError(400, f"seconds: expected the answer's length, from 0 to {MAX_SECONDS}")
        length = self._length()
        if length is None:
            raise ApiError(411, "a piece of a recording needs its length (Content-Length)")
        if length > CHUNK_LIMIT:
            raise ApiError(413, f"a piece of a recording is at most {CHUNK_LIMIT:,} bytes")
        if length == 0 and (seq == "0" or last != "1"):
            raise ApiError(400, "the piece is empty (only the last one may be)")
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionResetError
        self._body_read = True
        result = self.server.studio.add_chunk(sid, int(index), self.headers.get_content_type(), int(seq), data,
                                              last == "1", seconds)
        self._send_json(201 if last == "1" else 200, result)

    def _delete_recording(self, query: dict, question: str, name: str) -> None:
        self._send_json(200, self.server.studio.delete_recording(question, name))

    def _recording(self, query: dict, question: str, name: str) -> None:
        path = self.server.studio.recording_file(question, name)
        if path is None:
            raise ApiError(404, "no such recording")
        from .recordings import MEDIA_TYPES

        size = path.stat().st_size
        start, end, status, extra = 0, size - 1, 200, {"Accept-Ranges": "bytes"}
        wanted = RANGE.fullmatch(self.headers.get("Range", "").strip())
        if wanted and (wanted.group(1) or wanted.group(2)):  # one range: the media element seeking
            if wanted.group(1):
                start = int(wanted.group(1))
                end = min(int(wanted.group(2)), size - 1) if wanted.group(2) else size - 1
            else:  # the last N bytes
                start = max(0, size - int(wanted.group(2)))
            if start > end or start >= size:
                self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
                return
            status, extra["Content-Range"] = 206, f"bytes {start}-{end}/{size}"
        self.send_response(status)
        for header, value in {**HEADERS, **extra}.items():
            self.send_header(header, value)
        self.send_header("Content-Type", MEDIA_TYPES[name.rsplit(".", 1)[1]])
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        with open(path, "rb") as fh:
            fh.seek(start)
            left = end - start + 1
            while left:
                chunk = fh.read(min(64 * 1024, left))
                if not chunk:
                    break
                self.wfile.write(chunk)
                left -= len(chunk)


# -- one studio per workspace ----------------------------------------------------------------

class Running:
    """WORKSPACE/.deck-builder/studio.json: the studio serving this workspace, if any."""

    def __init__(self, root: Path):
        self.path = root / STATE_DIR / LOCK_FILE
        self.root = root

    def claim(self, server: StudioServer) -> None:
        """Become the workspace's studio, or a UserError saying where the running one is."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {self.path.parent} ({exc.strerror}): the studio keeps your "
                            "ratings and recordings there; make the workspace writable") from None
        info = {"pid": os.getpid(), "port": server.port, "url": server.url,
                "about": "deck-builder studio is running for this workspace at this address "
                         "(removed when it stops)"}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except PermissionError as exc:
                raise UserError(f"cannot write in {self.path.parent} ({exc.strerror}): the studio keeps your "
                                "ratings and recordings there; make the workspace writable") from None
            except FileExistsError:
                other = self._running()
                if other:
                    raise UserError(
                        f"a studio is already running for this workspace, at {other['url']} (process "
                        f"{other['pid']}); open that address, or stop it (Ctrl-C in its terminal) and start "
                        "again") from None
                self.path.unlink(missing_ok=True)  # left by a studio that was killed
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(info, fh)
            return
        raise UserError(f"could not claim {self.path}: another studio is starting; try again")

    def _running(self) -> dict | None:
        """The recorded studio, if it still answers at its address for this workspace."""
        for _ in range(10):  # a studio that is starting may not have written it all yet
            try:
                info = json.loads(self.path.read_text(encoding="utf-8"))
                port, secret = int(info["port"]), str(info["url"]).split("#key=", 1)[1]
                break
            except FileNotFoundError:
                return None
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                threading.Event().wait(0.1)
        else:
            return None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
            conn.request("GET", "/api/alive", headers={"Host": f"127.0.0.1:{port}", KEY_HEADER: secret})
            resp = conn.getresponse()
            alive = json.loads(resp.read()) if resp.status == 200 else {}
            conn.close()
        except (OSError, ValueError, http.client.HTTPException):
            return None
        return info if alive.get("root") == str(self.root.resolve()) else None

    def release(self) -> None:
        try:
            if json.loads(self.path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                self.path.unlink()
        except (OSError, ValueError, AttributeError):
            pass


class Address:
    """WORKSPACE/.deck-builder/studio-address.json: the last studio's port and key, to use again."""

    def __init__(self, root: Path):
        self.path = root / STATE_DIR / ADDRESS_FILE

    def load(self) -> tuple[int, str | None]:
        """The remembered (port, key), or (0, None) for a new one."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8"))
            port, key = info["port"], info["key"]
        except (OSError, ValueError, KeyError, TypeError):
            return 0, None
        if not isinstance(port, int) or not 1024 <= port <= 65535 or not isinstance(key, str) \
                or not re.fullmatch(r"[A-Za-z0-9_-]{40,100}", key):
            return 0, None
        return port, key

    def save(self, server: StudioServer) -> None:
        if self.load() == (server.port, server.secret):
            return
        try:
            with replacing(self.path) as tmp:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the key
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"port": server.port, "key": server.secret,
                               "about": "deck-builder studio uses this address again while its port is free; "
                                        "delete this file for a new one"}, fh)
        except OSError:
            pass  # a new address next time; claim() has said already if the folder is not writable


# -- the command -----------------------------------------------------------------------------

class Stop(BaseException):
    """SIGTERM, or SIGHUP (the terminal was closed): stop as for Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _desktop() -> bool:
    if sys.platform == "darwin" or os.name == "nt":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_studio(studio: Studio, open_browser: bool, echo) -> int:
    """Serve STUDIO until Ctrl-C, SIGTERM or SIGHUP; returns the exit status."""
    address = Address(studio.root)
    server = StudioServer(studio, *address.load())
    running = Running(studio.root)
    try:
        running.claim(server)
    except BaseException:
        server.server_close()
        raise
    address.save(server)

    def on_signal(signum, frame):
        raise Stop(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            previous[name] = signal.signal(getattr(signal, name), on_signal)
    status = 0
    try:
        studio.recordings.remove_partial()
        echo(f"deck-builder studio for {studio.folder}:\n  {server.url}")
        echo(f"Recordings stay in {studio.recordings.folder} (nothing is sent anywhere). Ctrl-C stops the studio.")
        if open_browser and _desktop():
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
            echo("Opening it in your browser.")
        elif open_browser:
            echo("There is no desktop session here (no DISPLAY): open that address in a browser on this computer.")
        else:
            echo("Open that address in your browser.")
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        status = 0
    except Stop as stop:
        status = 128 + stop.signum
    finally:
        server.server_close()
        studio.recordings.remove_partial()
        running.release()
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
    try:
        echo("Studio stopped. Your ratings and recordings are in the workspace.")
    except OSError:  # the terminal is gone (SIGHUP)
        pass
    return status
