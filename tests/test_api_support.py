"""Helpers shared by the test_api_* modules (this module holds no tests).

- `api_server(dist)`: one real `smartcity-kg serve` on a free loopback port, started once per test
  session as a subprocess (query timeout 2 s, two query workers, results capped at 16 MiB); a server that cannot start fails
  the run.
- `Browser`: Debian's Chromium in headless mode, driven through the Chrome DevTools Protocol over
  `--remote-debugging-pipe` (no driver, no browser download, no extra package).
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

QUERY_TIMEOUT = 2.0
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")

_server = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, dist):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="smartcity-serve-", suffix=".log", delete=False)
        env = dict(os.environ, SMARTCITY_KG_WORKERS="2", SMARTCITY_KG_MAX_RESULT_BYTES=str(16 * 1024 * 1024))
        exe = Path(sys.executable).with_name("smartcity-kg")
        cmd = [str(exe) if exe.exists() else "smartcity-kg", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--dist", str(dist), "--query-timeout", str(QUERY_TIMEOUT)]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"smartcity-kg serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "/sparql?query=ASK%7B%7D", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"smartcity-kg serve did not answer within 120 s:\n{self.output()}")
            time.sleep(0.2)

    def output(self):
        return Path(self.log.name).read_text(errors="replace")

    def url(self, path):
        return self.base + path

    def worker_pids(self):
        """(zygote pid, [worker pids]) of this server, from /proc."""
        def children(pid):
            out = []
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                    except OSError:
                        continue
                    ppid = int(stat.rsplit(")", 1)[1].split()[1])
                    if ppid == pid:
                        out.append(int(entry.name))
            return out

        zygotes = [p for p in children(self.proc.pid)
                   if b"smartcity_kg.api.worker" in Path(f"/proc/{p}/cmdline").read_bytes()]
        if not zygotes:
            return None, []
        return zygotes[0], children(zygotes[0])

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def api_server(dist):
    """The session's server (started on first use, stopped at exit)."""
    global _server
    if _server is None:
        _server = Server(dist)
        atexit.register(_server.stop)
    return _server


def request(method, url, data=None, headers=None, timeout=30):
    """(status, headers, body) for any status, 4xx and 5xx included."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class Browser:
    """Chromium, headless, over the DevTools protocol on a pipe (fd 3: commands in, fd 4: messages out)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="smartcity-chromium-")
        cmd_read, self.cmd_write = os.pipe()
        self.msg_read, msg_write = os.pipe()

        def wire():
            os.dup2(cmd_read, 3)
            os.dup2(msg_write, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-sync", "--disable-component-update", "--window-size=1280,1000", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=wire)
        os.close(cmd_read)
        os.close(msg_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def _send(self, message):
        data = json.dumps(message).encode() + b"\0"
        while data:
            n = os.write(self.cmd_write, data)
            data = data[n:]

    def _receive(self, timeout):
        import select

        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.msg_read], [], [], left)[0]:
                raise TimeoutError("no message from Chromium")
            chunk = os.read(self.msg_read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(raw)

    def call(self, method, session=False, timeout=30, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self._send(message)
        while True:
            reply = self._receive(timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[i]
                    return event
            self.events.append(self._receive(max(0.01, deadline - time.monotonic())))

    def goto(self, url, timeout=30):
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired", timeout)

    def js(self, expression, timeout=30):
        result = self.call("Runtime.evaluate", session=True, timeout=timeout, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=20):
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {expression}")
            time.sleep(0.1)

    def problems(self):
        """JavaScript exceptions, console errors and failed loads seen so far."""
        self.drain()
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(("exception", params["exceptionDetails"].get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.append(("console", [a.get("value") for a in params.get("args", [])]))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                out.append(("log", params["entry"].get("text"), params["entry"].get("url")))
            elif method == "Network.loadingFailed":
                out.append(("network", params.get("errorText")))
        return out

    def requested_urls(self):
        self.drain()
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def drain(self):
        try:
            while True:
                self.events.append(self._receive(0.05))
        except TimeoutError:
            pass

    def close(self):
        try:
            self._send({"id": 0, "method": "Browser.close", "params": {}})
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.cmd_write, self.msg_read):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
