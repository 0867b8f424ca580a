"""The checks an outside audit ran, kept: headers of every route against the policy, then the
deployed stack of docs/deploy.md (nginx with TLS before gunicorn) on loopback, with testssl.sh.

`make security-check` runs this after bandit and semgrep. Exit status 1 names every failure.
Loopback only; every process started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.core.security import POLICY_HEADERS  # noqa: E402

DEPLOY_CHECK = ROOT / "build" / "deploy-check"
SITE_NAME = "rappel.example.fr"
# HTTPS is production: the app refuses to start on the fictional defaults of these.
PRODUCTION_SETTINGS = {
    "COORDINATOR_PHONE": "+33465710090",
    "CONTROLLER": "Département de la Loire (security check)",
    "CONTROLLER_CONTACT": "dpo-check@loire.example",
}
# testssl lines about the throw-away certificate itself, not about the configuration.
CERTIFICATE_LINES = re.compile(
    r"Chain of trust|self signed|self-signed|Certificate Validity|expires|OCSP|CRL|"
    r"Certificate Transparency|Trust \(hostname\)|DNS CAA|Must Staple|certificate does not match|"
    r"subjectAltName",
    re.IGNORECASE,
)
# testssl's verdicts are in capitals ("not vulnerable (OK)" is fine).
BAD_LINE = re.compile(r"NOT ok|VULNERABLE")
# By their IANA names: ECDHE key exchange with GCM or ChaCha20 (TLS 1.2), or any TLS 1.3 suite.
GOOD_TLS12_SUITE = re.compile(
    r"TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305_SHA256)$"
)
TLS13_SUITE = re.compile(r"TLS_(AES_\d+_GCM_SHA\d+|CHACHA20_POLY1305_SHA256)$")
HSTS = "max-age=63072000; includeSubDomains"

failures: list[str] = []


def fail(message: str) -> None:
    failures.append(message)
    print(f"  FAIL {message}")


# --- 1. Every route of the app, public and staff, against the header policy. ---------------


def policy_problems(where: str, headers: Any, public: bool, https: bool) -> list[str]:
    """What a header scanner (drheader, the HTTP Observatory) would flag on one answer."""
    problems = []
    for name, value in POLICY_HEADERS.items():
        got = headers.get(name)
        if name == "Content-Security-Policy":
            if not got or "unsafe-" in got or "frame-ancestors 'none'" not in got:
                problems.append(f"{where}: weak or missing CSP {got!r}")
            elif "default-src 'none'" not in got:
                problems.append(f"{where}: CSP without default-src 'none'")
        elif got != value:
            problems.append(f"{where}: {name} is {got!r}, the policy says {value!r}")
    for name in ("Server", "X-Powered-By", "Access-Control-Allow-Origin"):
        if name.lower() in {k.lower() for k in headers.keys()} and name != "Server":
            problems.append(f"{where}: {name} sent")
    server = headers.get("Server")
    if server and server.lower() not in ("nginx",):
        problems.append(f"{where}: Server header names {server!r}")
    if https and headers.get("Strict-Transport-Security") != HSTS:
        problems.append(f"{where}: no HSTS")
    if public and headers.get("Request-OTR") != "?1":
        problems.append(f"{where}: no Request-OTR on a public answer")
    for cookie in headers.get_all("Set-Cookie") or []:
        problems.extend(cookie_problems(where, cookie, https))
    return problems


def cookie_problems(where: str, cookie: str, https: bool) -> list[str]:
    name = cookie.split("=", 1)[0]
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    problems = []
    if "httponly" not in attributes or "samesite=strict" not in attributes:
        problems.append(f"{where}: cookie {name} without HttpOnly and SameSite=Strict")
    if any(a.startswith(("expires=", "max-age=")) for a in attributes) and "01 jan 1970" not in (
        cookie.lower()
    ):
        problems.append(f"{where}: cookie {name} outlives the browser")
    if https and (not name.startswith("__Host-") or "secure" not in attributes):
        problems.append(f"{where}: cookie {name} is not a Secure __Host- cookie")
    return problems


class WsgiHeaders:
    """Werkzeug's headers with the small interface policy_problems uses."""

    def __init__(self, headers: Any) -> None:
        self.headers = headers

    def get(self, name: str) -> str | None:
        return self.headers.get(name)

    def keys(self) -> list[str]:
        return list(self.headers.keys())

    def get_all(self, name: str) -> list[str]:
        return self.headers.getlist(name)


def check_every_route(workdir: Path) -> int:
    """Each rule of the URL map, with sample values, as a visitor and as a logged-in admin."""
    import pyotp

    from portal import create_app
    from portal.cli.demo_data import create_demo_stations
    from portal.core import crypto, db
    from portal.core.config import new_keys
    from portal.core.schema import upgrade_database
    from portal.staff import accounts, auth

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'headers.sqlite3'}",
            "HTTPS": True,
            "PUBLIC_BASE_URL": f"https://{SITE_NAME}",
            "MIN_FILL_SECONDS": 0,
            **PRODUCTION_SETTINGS,
            **new_keys(),
        }
    )
    secret = auth.new_totp_secret()
    with app.app_context():
        upgrade_database()
        create_demo_stations()
        user = accounts.create_user("header-check", "admin", [])
        user.password_hash = auth.hash_password("une phrase calme pour le bureau")
        user.totp_secret_enc = crypto.encrypt(secret)
        db.session().commit()
    base = f"https://{SITE_NAME}"
    visitor = app.test_client()
    staff = app.test_client()
    page = staff.get("/staff/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    login = {"username": "header-check", "password": "une phrase calme pour le bureau"}
    login.update(code=pyotp.TOTP(secret).now(), csrf_token=token.group(1))
    if staff.post("/staff/login", base_url=base, data=login).status_code != 303:
        raise RuntimeError("the header check could not log in")
    checked = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        values = {
            name: {"lang": "fr", "filename": "portal.css"}.get(name, "1") for name in rule.arguments
        }
        with app.test_request_context():
            path = rule.build(values, append_unknown=False)[1]
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        public = not path.startswith("/staff")
        for who, client in (("visitor", visitor), ("staff", staff)):
            response = client.open(path, method=method, base_url=base)
            where = f"{method} {path} ({who}, {response.status_code})"
            if response.status_code >= 500:
                fail(f"{where}: server error")
            for problem in policy_problems(where, WsgiHeaders(response.headers), public, True):
                fail(problem)
            checked += 1
    with app.app_context():
        db.engine().dispose()
    return checked


# --- 2. The deployed stack: nginx of docs/deploy.md on loopback, gunicorn behind it. --------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loopback_site(http_port: int, https_port: int, app_port: int) -> str:
    """docs/deploy.md's nginx site as `make deploy-check` patched it, on loopback ports."""
    site = (DEPLOY_CHECK / "site.conf").read_text()
    site = re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.M)
    site = re.sub(r"listen 80\b", f"listen 127.0.0.1:{http_port}", site)
    site = re.sub(r"listen 443\b", f"listen 127.0.0.1:{https_port}", site)
    return site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")


@contextmanager
def running(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[Any]:
    with open(log, "ab") as out:
        process = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def tls_request(port: int, path: str, host: str = SITE_NAME, sni: str = SITE_NAME) -> Any:
    """One HTTPS request to loopback, with this SNI name and Host header; the certificate is
    the throw-away one, so it is not verified."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # noqa: S501 (our own throw-away certificate)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock = context.wrap_socket(raw, server_hostname=sni)
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10)
    conn.sock = sock
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def closed_without_answer(call: Any) -> bool:
    """nginx's 444 (or a refused handshake): the connection ends and nothing is answered."""
    try:
        call()
    except (http.client.RemoteDisconnected, ssl.SSLError, ConnectionError):
        return True
    return False


def check_stack(workdir: Path, testssl: bool) -> None:
    if not (DEPLOY_CHECK / "site.conf").exists():
        fail("build/deploy-check/site.conf is missing: run `make deploy-check` first")
        return
    from portal.core.config import new_keys

    http_port, https_port, app_port = free_port(), free_port(), free_port()
    nginx_dir = workdir / "nginx"
    nginx_dir.mkdir()
    (nginx_dir / "site.conf").write_text(loopback_site(http_port, https_port, app_port))
    temp = "".join(
        f"    {kind}_temp_path {nginx_dir}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (nginx_dir / "nginx.conf").write_text(
        f"pid {nginx_dir}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        f"    include /etc/nginx/mime.types;\n{temp}    include {nginx_dir}/site.conf;\n}}\n"
    )
    keys = new_keys()
    env = {
        **os.environ,
        "PORTAL_BIND": f"127.0.0.1:{app_port}",
        "PORTAL_WORKERS": "1",
        "PORTAL_DATABASE_URL": f"sqlite:///{workdir / 'stack.sqlite3'}",
        "PORTAL_PUBLIC_BASE_URL": f"https://{SITE_NAME}",
        "PORTAL_HTTPS": "true",
        "PORTAL_TRUSTED_PROXIES": "1",
        **{f"PORTAL_{name}": value for name, value in PRODUCTION_SETTINGS.items()},
        "PORTAL_SECRET_KEY": keys["SECRET_KEY"],
        "PORTAL_CARD_KEY": keys["CARD_KEY"],
        "PORTAL_BLIND_INDEX_KEY": keys["BLIND_INDEX_KEY"],
        "PORTAL_DATA_KEYS": ",".join(keys["DATA_KEYS"]),
    }
    python = sys.executable
    subprocess.run(  # noqa: S603
        [python, "-m", "flask", "--app", "portal", "init-db"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    gunicorn = [python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--no-control-socket"]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx_args = [nginx, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")]
    with (
        running([*gunicorn, "portal:create_app()"], workdir / "gunicorn.log", env),
        running([*nginx_args, "-g", "daemon off;"], workdir / "nginx.log"),
    ):
        wait_for(app_port)
        wait_for(https_port)
        check_through_nginx(http_port, https_port)
        if testssl:
            run_testssl(https_port, workdir)


def check_through_nginx(http_port: int, https_port: int) -> None:
    """Pages, static files, redirects and forged names, as a browser on the Internet sees them."""
    for path in ("/fr/", "/fr/help", "/static/portal.css", "/static/portal.js", "/staff/login"):
        response = tls_request(https_port, path)
        where = f"nginx GET {path} ({response.status})"
        if response.status != 200:
            fail(f"{where}: not 200")
        for problem in policy_problems(
            where, response.headers, not path.startswith("/staff"), True
        ):
            fail(problem)
    forged = {
        "forged Host over HTTPS": lambda: tls_request(https_port, "/fr", host="evil.example"),
        "another name in TLS": lambda: tls_request(
            https_port, "/fr/", "evil.example", "evil.example"
        ),
        "forged Host over HTTP": lambda: plain_request(http_port, "/fr/", "evil.example"),
        "no name at all over HTTP": lambda: plain_request(http_port, "/fr/", "127.0.0.1"),
    }
    for what, call in forged.items():
        if not closed_without_answer(call):
            fail(f"nginx answered a request for {what}")
    redirect = plain_request(http_port, "/fr/?x=1", SITE_NAME)
    if redirect.getheader("Location") != f"https://{SITE_NAME}/fr/?x=1":
        fail(f"HTTP redirect goes to {redirect.getheader('Location')!r}")
    print("  nginx: pages, static files, redirect and forged names checked")


def plain_request(port: int, path: str, host: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def run_testssl(port: int, workdir: Path) -> None:
    """testssl.sh's protocols, cipher categories, forward secrecy, every suite offered and the
    vulnerabilities; -S (server defaults) is left out: it is mostly about the certificate."""
    testssl = shutil.which("testssl") or shutil.which("testssl.sh")
    if testssl is None:
        fail("testssl.sh is not installed (apt-get install testssl.sh)")
        return
    args = [testssl, "--quiet", "--color", "0", "--warnings", "off", "--fast", "--sneaky"]
    args += ["-p", "-s", "-f", "-E", "-U", "--ip", "127.0.0.1", f"https://{SITE_NAME}:{port}"]
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603
        args, capture_output=True, text=True, timeout=240, cwd=workdir, check=False
    )
    (workdir / "testssl.txt").write_text(result.stdout)
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    bad = [line for line in lines if BAD_LINE.search(line) and not CERTIFICATE_LINES.search(line)]
    for line in bad:
        fail(f"testssl: {line.strip()}")
    offered_cbc = [
        line for line in lines if re.search(r"\bCBC\b", line) and "not offered" not in line
    ]
    for line in offered_cbc:
        fail(f"testssl: {line.strip()}")
    # -E lists each suite offered: forward secrecy (ECDHE) and AEAD encryption only.
    suites = [line.split()[-1] for line in lines if re.match(r"\s*x[0-9a-f]{2,6}\s", line)]
    for suite in suites:
        if not (GOOD_TLS12_SUITE.match(suite) or TLS13_SUITE.match(suite)):
            fail(f"testssl: offered without forward secrecy or AEAD: {suite}")
    if not suites:
        fail("testssl: no cipher suite listed (did -E run?)")
    if not any("TLS 1.3" in line and "offered" in line for line in lines):
        fail("testssl: TLS 1.3 not offered (did testssl run?)")
    print(
        f"  testssl: {len(lines)} lines read in {time.monotonic() - started:.0f} s, {len(bad)} bad"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-testssl", action="store_true", help="skip testssl.sh")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="security-check-") as tmp:
        workdir = Path(tmp)
        print("headers of every route, as a visitor and as a logged-in admin")
        print(f"  {check_every_route(workdir)} answers checked")
        print("the stack of docs/deploy.md on loopback: nginx with TLS, gunicorn")
        check_stack(workdir, testssl=not options.no_testssl)
        if failures:
            for log in ("gunicorn.log", "nginx.log"):
                if (workdir / log).exists():
                    print(f"--- {log} (end)\n{(workdir / log).read_text()[-1500:]}")
    if failures:
        print(f"security-check: {len(failures)} failure(s)")
        return 1
    print("security-check: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
