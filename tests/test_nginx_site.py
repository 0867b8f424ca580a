"""docs/deploy.md's nginx site, as written, under a minimal nginx.conf on loopback: TLS 1.2 and
1.3 from its own settings, no version in `Server`, the portal's own pages (quick exit, emergency
numbers, headers) for nginx's 413, 429 and 502, in the language of the address, and an access log
that keeps no card code, token or query string."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from helpers.guide import blocks, sandbox_folder
from helpers.production import free_port
from helpers.settings import IN_CI
from helpers.wheel import ROOT

SITE = "rappel.example.fr"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRETS = {
    "/K7M-2QX": "K7M-2QX",
    "/k7m2qx": "k7m2qx",
    "/fr-falc/c/FALC1234": "FALC1234",
    "/en/c/ENGL5678": "ENGL5678",
    "/c/SIGNEDOLDLINK": "SIGNEDOLDLINK",
    "/staff/invitation/INVITETOKEN": "INVITETOKEN",
    "/staff/reset/RESETTOKEN": "RESETTOKEN",
    "/staff/oidc/callback?code=OIDCCODE&state=OIDCSTATE": "OIDC",
}

pytestmark = pytest.mark.skipif(
    not os.path.exists(NGINX) and not IN_CI, reason="nginx is needed (apt-get install nginx-light)"
)


class Site:
    """nginx running the guide's site on loopback, gunicorn's port left empty (a 502)."""

    def __init__(self, folder: Path, pages: Path) -> None:
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()
        self.access_log = folder / "portal.access.log"
        files = {b.name: b.text for b in blocks((ROOT / "docs" / "deploy.md").read_text())}
        subprocess.run(  # noqa: S603
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-subj", f"/CN={SITE}", "-addext", f"subjectAltName=DNS:{SITE}"]
            + ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
            check=True,
            capture_output=True,
        )
        (folder / "portal-proxy.conf").write_text(files["portal-proxy.conf"])
        site = files["nginx-portal.conf"]
        site = re.sub(
            r"/etc/letsencrypt/live/[^/]+/(fullchain|chain)\.pem", f"{folder}/cert.pem", site
        )
        site = re.sub(r"/etc/letsencrypt/live/[^/]+/privkey\.pem", f"{folder}/key.pem", site)
        site = site.replace("/etc/nginx/portal-proxy.conf", f"{folder}/portal-proxy.conf")
        site = site.replace("/var/log/nginx/", f"{folder}/")
        site = site.replace("/srv/portal/static/", f"{ROOT}/portal/static/")
        site = site.replace("/srv/portal/error-pages/", f"{pages}/")
        site = re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.M)
        site = re.sub(r"listen 80\b", f"listen 127.0.0.1:{self.http_port}", site)
        site = re.sub(r"listen 443\b", f"listen 127.0.0.1:{self.https_port}", site)
        site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{free_port()};")
        site = re.sub(
            r"^\s*(ssl_stapling|ssl_stapling_verify|resolver)\b.*\n", "", site, flags=re.M
        )
        (folder / "site.conf").write_text(site)
        temp = "".join(
            f"    {kind}_temp_path {folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As small as an nginx.conf gets: nothing about TLS or tokens comes from here.
        (folder / "nginx.conf").write_text(
            f"pid {folder}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
            f"    include /etc/nginx/mime.types;\n{temp}    include {folder}/site.conf;\n}}\n"
        )

    def start(self) -> subprocess.Popen[bytes]:
        args = [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        checked = subprocess.run([*args, "-t"], capture_output=True, text=True, check=False)  # noqa: S603
        assert checked.returncode == 0, checked.stderr
        log = (self.folder / "nginx.log").open("ab")
        process = subprocess.Popen([*args, "-g", "daemon off;"], stdout=log, stderr=log)  # noqa: S603
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return process
            except OSError:
                assert time.monotonic() < deadline, (self.folder / "nginx.log").read_text()
                time.sleep(0.1)

    def tls(self, version: ssl.TLSVersion | None = None) -> http.client.HTTPSConnection:
        """A connection that names the site in its handshake, as a browser does."""
        context = ssl.create_default_context(cafile=str(self.folder / "cert.pem"))
        if version:
            context.minimum_version = context.maximum_version = version
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=10)
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=10)
        conn.sock = context.wrap_socket(raw, server_hostname=SITE)
        return conn

    def get(self, path: str, method: str = "GET", body: bytes | None = None) -> Answer:
        conn = self.tls()
        conn.request(method, path, body=body, headers={"Host": SITE})
        response = conn.getresponse()
        answer = Answer(response.status, dict(response.getheaders()), response.read().decode())
        conn.close()
        return answer


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body


@pytest.fixture
def site(runner: FlaskCliRunner) -> Iterator[tuple[Site, Path]]:
    for folder in sandbox_folder():
        pages = folder / "error-pages"
        made = runner.invoke(args=["error-pages", str(pages)])
        assert made.exit_code == 0, made.output
        running = Site(folder, pages)
        process = running.start()
        try:
            yield running, pages
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_error_pages_are_the_portals_own_in_every_public_language(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    made = runner.invoke(args=["error-pages", str(tmp_path / "pages")])

    assert made.exit_code == 0, made.output
    languages = sorted(p.name for p in (tmp_path / "pages").iterdir())
    assert "fr" in languages and "fr-falc" in languages and "ar" in languages
    for lang in languages:
        for status in (413, 429, 502, 503, 504):
            page = (tmp_path / "pages" / lang / f"{status}.html").read_text()
            assert 'href="/exit"' in page and 'href="tel:112"' in page and "tel:17" in page
            assert '<script src="/static/portal.js"' in page and "<script>" not in page
            assert "style=" not in page and f'lang="{"fr" if lang == "fr-falc" else lang}' in page
    french = (tmp_path / "pages" / "fr" / "502.html").read_text()
    assert "Rien n’a été enregistré" in french or "Rien n'a été enregistré" in french
    assert 'href="/en/' in french and 'href="/ar/' in french  # the other languages, linked


def test_nginx_answers_with_the_portals_pages_and_logs_no_secret(
    site: tuple[Site, Path],
) -> None:
    running, pages = site
    # TLS 1.2 and 1.3, from the site's own settings (the nginx.conf says nothing about TLS).
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        conn = running.tls(version)
        conn.request("GET", "/healthz", headers={"Host": SITE})
        conn.getresponse().read()
        assert isinstance(conn.sock, ssl.SSLSocket)
        assert conn.sock.version() == version.name.replace("v1_", "v1.")
        conn.close()

    # gunicorn is down: nginx's 502 is the portal's page, in the address's language, with headers.
    down = running.get("/ar/")
    assert down.status == 502
    assert down.body == (pages / "ar" / "502.html").read_text()
    assert down.headers["cache-control"].startswith("no-store")
    assert "default-src 'none'" in down.headers["content-security-policy"]
    assert down.headers["strict-transport-security"].startswith("max-age=")
    assert down.headers["server"] == "nginx"  # no version
    assert running.get("/exit").body == (pages / "fr" / "502.html").read_text()
    too_large = running.get("/fr/", "POST", b"x" * 70_000)
    assert too_large.status == 413 and too_large.body == (pages / "fr" / "413.html").read_text()
    # The limit at the door: one kept-alive connection asking faster than 10 a second.
    conn, bodies = running.tls(), {}
    for _ in range(60):
        conn.request("GET", "/fr/", headers={"Host": SITE})
        answer = conn.getresponse()
        bodies[answer.status] = answer.read().decode()
    conn.close()
    assert bodies[429] == (pages / "fr" / "429.html").read_text()

    # Port 80 redirects without saying nginx's version either.
    plain = http.client.HTTPConnection("127.0.0.1", running.http_port, timeout=10)
    plain.request("GET", "/fr/", headers={"Host": SITE})
    redirect = plain.getresponse()
    assert redirect.status == 301 and redirect.getheader("Server") == "nginx"
    plain.close()

    for path in SECRETS:
        running.get(path)
    time.sleep(0.2)
    log = running.access_log.read_text()
    for path, secret in SECRETS.items():
        assert secret not in log, path
    assert '"GET /..."' in log and '"GET /fr-falc/c/..."' in log
    assert '"GET /staff/invitation/..."' in log and '"GET /staff/reset/..."' in log
    assert '"GET /exit"' in log and '"GET /fr/"' in log  # pages stay readable
    assert '"GET /staff/oidc/callback"' in log
