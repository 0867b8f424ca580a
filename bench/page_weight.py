"""Weight of every public page's first load: gzip(9) of HTML + CSS + JS against one TCP window.

Run as `.venv/bin/python bench/page_weight.py`; the test suite imports the measuring functions.
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

# One TCP initial congestion window (10 segments of 1,460 bytes).
BUDGET_BYTES = 14_600
# The HTML, the stylesheet and the script.
MAX_REQUESTS = 3
# <link rel> values a browser fetches by itself.
FETCHED_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "modulepreload",
    "manifest",
    "prefetch",
    "mask-icon",
}
ABSOLUTE = re.compile(r"^\s*(https?:)?//", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.I)


@dataclass
class PageWeight:
    """What a first visit to one page costs."""

    html_gzip: int
    assets_gzip: int
    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    favicon: str | None = None

    @property
    def total(self) -> int:
        return self.html_gzip + self.assets_gzip


class _Links(HTMLParser):
    """Collects what a browser would fetch, and every address in src and href."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.addresses: list[tuple[str, str, bool]] = []
        self.favicon: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        is_exit = "data-exit" in found
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if name in found:
                self.addresses.append((tag, found[name], is_exit))
        rels = set(found.get("rel", "").lower().split())
        if tag == "link" and rels & FETCHED_RELS:
            self.fetched.append(found.get("href", ""))
            if rels & {"icon", "shortcut"}:
                self.favicon = found.get("href")
        elif tag in ("script", "img", "iframe", "embed", "audio", "video", "source") and found.get(
            "src"
        ):
            self.fetched.append(found["src"])


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def _asset(static_dir: Path, url: str) -> Path | None:
    name = url.split("?", 1)[0]
    if not name.startswith("/static/"):
        return None
    return static_dir / name.removeprefix("/static/")


def measure(html: str, static_dir: Path) -> PageWeight:
    """gzip(9) sizes of the page and the files it loads, the requests, and any foreign address."""
    links = _Links()
    links.feed(html)
    requests = ["(the page)"]
    assets = 0
    external = [
        url for _tag, url, is_exit in links.addresses if ABSOLUTE.match(url) and not is_exit
    ]
    for url in links.fetched:
        if url.startswith("data:"):
            continue
        requests.append(url)
        path = _asset(static_dir, url)
        if path is None or not path.exists():
            continue
        content = path.read_bytes()
        assets += gzip_size(content)
        if path.suffix == ".css":
            for inner in CSS_URL.findall(content.decode()):
                if not inner.startswith("data:"):
                    requests.append(inner)
                    if ABSOLUTE.match(inner):
                        external.append(inner)
    if links.favicon is None:
        requests.append("/favicon.ico")
    return PageWeight(gzip_size(html.encode()), assets, requests, external, links.favicon)


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SAMPLE_FORM: dict[str, Any] = {
    "phone": "06 12 34 56 78",
    "name": "Sam",
    "windows": ["10:00-12:00"],
    "call_language": "fr",
    "danger": "yes",
    "consent": "y",
    "station": "unknown",
}


def _token(client: Any, path: str) -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    if found is None:
        raise RuntimeError(f"no CSRF token on {path}")
    return found.group(1)


def public_pages(client: Any, card_code: str, lang: str) -> Iterator[tuple[str, str]]:
    """(page name, HTML) for every public page in one language, as a visitor gets them."""
    for name, path in (
        ("form", f"/{lang}/"),
        ("card form", f"/{lang}/c/{card_code}"),
        ("cancel", f"/{lang}/cancel"),
        ("help", f"/{lang}/help"),
        ("directory", f"/{lang}/directory"),
        ("privacy", f"/{lang}/privacy"),
        ("accessibility", f"/{lang}/accessibility"),
        ("not found", f"/{lang}/nowhere"),
    ):
        yield name, client.get(path).get_data(as_text=True)
    token = _token(client, f"/{lang}/")
    errors = client.post(f"/{lang}/", data={"csrf_token": token, "message": "m" * 501})
    yield "form with every error", errors.get_data(as_text=True)
    data = {**SAMPLE_FORM, "csrf_token": _token(client, f"/{lang}/")}
    sent = client.post(f"/{lang}/", data=data, follow_redirects=True)
    yield "sent (urgent)", sent.get_data(as_text=True)


def _bench_app(folder: Path) -> Any:
    from portal import create_app
    from portal.cli.demo_data import create_demo_stations
    from portal.core import db
    from portal.core.config import new_keys
    from portal.core.schema import upgrade_database

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "MIN_FILL_SECONDS": 0,
            "SUBMIT_LIMITS": "1000 per minute",
            **new_keys(),
        }
    )
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        db.session().commit()
    return app


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from portal.core import db
    from portal.stations.cards import card_code, current_batch
    from portal.stations.registry import station_by_code

    with tempfile.TemporaryDirectory() as folder:
        app = _bench_app(Path(folder))
        with app.app_context():
            batch = current_batch(station_by_code("st-etienne"))
            db.session().commit()
            code = card_code(batch)
        print(
            f"{'page':24} {'lang':4} {'html':>6} {'css+js':>6} {'total':>6} {'of budget':>9}  req"
        )
        worst = 0
        for lang in app.config["PUBLIC_LANGUAGES"]:
            client = app.test_client()
            for name, html in public_pages(client, code, lang):
                w = measure(html, Path(app.static_folder or "."))
                worst = max(worst, w.total)
                share = f"{100 * w.total / BUDGET_BYTES:.0f} %"
                print(
                    f"{name:24} {lang:4} {w.html_gzip:6} {w.assets_gzip:6} {w.total:6} "
                    f"{share:>9}  {len(w.requests)}"
                )
        print(f"heaviest first load: {worst} bytes gzip(9), budget {BUDGET_BYTES}")
    return 0 if worst <= BUDGET_BYTES else 1


if __name__ == "__main__":
    raise SystemExit(main())
