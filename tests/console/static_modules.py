"""The console's JS modules served straight from `static/` (no Django) to a blank page in headless Chromium."""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.peers.browser import chromium_page

STATIC = Path(__file__).resolve().parents[2] / "static"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def modules_page(html: str, width: int = 1000, height: int = 600):
    """A Chromium page of the static server's origin (so `import('/console/x.js')` works) holding `html`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(STATIC)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with chromium_page(width=width, height=height) as page:
            page.goto(f"http://127.0.0.1:{server.server_port}/console/")  # a directory listing: any page of this origin
            page.set_content(html)
            yield page
    finally:
        server.shutdown()
