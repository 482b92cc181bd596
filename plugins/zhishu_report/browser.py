"""A small Chrome DevTools Protocol client for headless Chromium: load a local page offline, record every
network request it makes, evaluate JavaScript, take screenshots.

Used to render a report's charts to PNG/SVG (``--figures``), by the browser tests and by
``scripts/screenshots.py``. Chromium is Debian's ``chromium`` package (or ``$ZHISHU_CHROMIUM``); it is started
with a fresh profile, no background networking, host names resolving to nothing and the DevTools network
emulation set to offline, and stopped when the :class:`Browser` is closed.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM_ENV = "ZHISHU_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Debian's chromium (apt-get install chromium fonts-noto-cjk) or set ZHISHU_CHROMIUM"

#: Flags for a quiet, offline, throw-away headless browser.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)

#: URL schemes a self-contained page may load (the page itself is a file: URL)
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


class BrowserError(RuntimeError):
    """Chromium could not be found, started or driven."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$ZHISHU_CHROMIUM``, else the first of :data:`CANDIDATES` on PATH."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One headless Chromium process and one page, driven over the DevTools WebSocket.

    Use as a context manager; ``requests`` lists the URL of every request the page made since the last
    :meth:`load`.
    """

    def __init__(self, executable: str | None = None, width: int = 1280, height: int = 900, timeout: float = 60):
        import websocket  # websocket-client, from the ``report`` extra

        self.executable = executable or find_chromium()
        if self.executable is None:
            raise BrowserError(f"no Chromium found; {INSTALL_HINT}")
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="zhishu-chromium-")
        self._proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self._ids = itertools.count(1)
        self.requests: list[str] = []
        self.console: list[str] = []
        try:
            ws_url = self._page_websocket()
            self._ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
            self.call("Page.enable")
            self.call("Runtime.enable")
            self.call("Network.enable")
            self.call("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1,
                      uploadThroughput=-1)
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ process
    def _page_websocket(self) -> str:
        """The WebSocket URL of the initial page, from the port Chromium writes into its profile."""
        import urllib.request

        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise BrowserError(f"{self.executable} exited with code {self._proc.returncode} at start")
            if port_file.exists() and port_file.read_text().strip():
                port = int(port_file.read_text().split()[0])
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                    pages = [t for t in json.load(response) if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise BrowserError(f"{self.executable} did not open its DevTools port within {self.timeout:.0f} s")

    def close(self) -> None:
        ws = getattr(self, "_ws", None)
        if ws is not None:
            import websocket

            with contextlib.suppress(OSError, websocket.WebSocketException):  # the browser may be gone already
                ws.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ protocol
    def call(self, method: str, **params: Any) -> dict:
        """Send one DevTools command and return its result, recording the events that arrive meanwhile."""
        ident = next(self._ids)
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message: dict) -> str | None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.console.append("exception: " + params["exceptionDetails"].get("text", ""))
        return method

    def _wait_event(self, name: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._event(json.loads(self._ws.recv())) == name:
                return
        raise BrowserError(f"no {name} within {self.timeout:.0f} s")

    # ------------------------------------------------------------------ page
    def load(self, path: str | Path, ready: str | None = "window.zhishuReady === true") -> None:
        """Open a local file and wait for its load event and then for the JavaScript condition ``ready``."""
        self.requests = []
        self.console = []
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        self._wait_event("Page.loadEventFired")
        if ready:
            self.wait_for(ready)

    def wait_for(self, condition: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"Boolean({condition})"):
                return
            time.sleep(0.1)
        raise BrowserError(f"the page did not reach {condition!r} within {self.timeout:.0f} s; "
                           f"console: {self.console[-5:]}")

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        """The value of a JavaScript expression (JSON-serialisable), awaiting it if it is a promise."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript error: {text}")
        return result["result"].get("value")

    def screenshot(self, full_page: bool = False, clip: dict | None = None) -> bytes:
        """A PNG of the viewport (or the whole page, or a clip rectangle in CSS pixels)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
            params["captureBeyondViewport"] = True
        elif clip is not None:
            params["clip"] = {"scale": 1, **clip}
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])

    def element_screenshot(self, selector: str, margin: int = 0) -> bytes:
        """A PNG of the first element matching a CSS selector."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView(); const r = e.getBoundingClientRect();"
            " return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; })()"
        )
        if box is None:
            raise BrowserError(f"no element matches {selector!r}")
        x, y, w, h = box
        return self.screenshot(clip={"x": max(x - margin, 0), "y": max(y - margin, 0),
                                     "width": w + 2 * margin, "height": h + 2 * margin})

    def non_local_requests(self) -> list[str]:
        """Every request of the page whose URL is not file:, data:, about: or blob:."""
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]
