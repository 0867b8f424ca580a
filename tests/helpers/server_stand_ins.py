"""Stand-ins for a server's systemctl, systemd-run, useradd, sudo, install and journalctl, so that
the deployment guide's commands run as written inside a sandbox folder ($SANDBOX). Installed by
tests/helpers/guide.py under each command's name; what a command does depends on that name.

systemctl starts a unit's ExecStart with its EnvironmentFile, Environment and WorkingDirectory
(a service in the background, waiting until its PORTAL_BIND port answers; a oneshot at once) and
drives the sandbox's PostgreSQL cluster as the `postgresql` unit. Users that do not exist on this
machine (`portal`) are not switched to: the command runs as the test's own user."""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SANDBOX = Path(os.environ["SANDBOX"])
UNITS = SANDBOX / "etc" / "systemd" / "system"
STATE = SANDBOX / "run" / "stand-ins"
CLUSTER = SANDBOX / "var" / "lib" / "postgresql" / "15" / "main"


def user_exists(name: str) -> bool:
    return name in {entry.pw_name for entry in pwd.getpwall()}


def group_exists(name: str) -> bool:
    return name in {entry.gr_name for entry in grp.getgrall()}


def as_user(user: str | None, args: list[str]) -> list[str]:
    if user and user_exists(user) and os.geteuid() == 0 and user != "root":
        return ["runuser", "-u", user, "--", *args]
    return args


def postgres_env() -> dict[str, str]:
    """The machine's default PostgreSQL connection: the sandbox's cluster, as `postgres`."""
    return {"PGHOST": "127.0.0.1", "PGPORT": os.environ["STAND_IN_PGPORT"], "PGUSER": "postgres"}


def read_environment_file(path: str) -> dict[str, str]:
    optional = path.startswith("-")
    file = Path(path.removeprefix("-"))
    if not file.exists():
        if optional:
            return {}
        sys.exit(f"stand-in: EnvironmentFile {file} is missing")
    values = {}
    for line in file.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def unit_settings(properties: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """The environment a unit's process gets, and its other settings (last one wins)."""
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **postgres_env()}
    env["SANDBOX"] = str(SANDBOX)
    settings: dict[str, str] = {}
    for key, value in properties:
        if key == "EnvironmentFile":
            env.update(read_environment_file(value))
        elif key == "Environment":
            for pair in shlex.split(value):
                name, _, val = pair.partition("=")
                env[name] = val
        else:
            settings[key] = value
    return env, settings


def read_unit(name: str) -> list[tuple[str, str]]:
    path = UNITS / (name if "." in name else f"{name}.service")
    if not path.exists():
        sys.exit(f"stand-in systemctl: no unit {path.name}")
    found = []
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.append((key.strip(), value.strip()))
    return found


def exec_args(command: str) -> list[str]:
    return [part for part in shlex.split(command) if part]


def wait_for_port(bind: str, process: subprocess.Popen[bytes], log: Path) -> None:
    host, _, port = bind.rpartition(":")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"stand-in systemctl: the service stopped:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("stand-in systemctl: the service did not answer within 60 s")


def cluster(action: str) -> None:
    pg_ctl = str(Path(os.environ["STAND_IN_PGBIN"]) / "pg_ctl")
    log = CLUSTER.parent / "main.log"
    args = [pg_ctl, "-D", str(CLUSTER), "-w", "-t", "60"]
    if action == "start":
        args += ["-l", str(log), "start"]
    elif action == "stop":
        args += ["-m", "fast", "stop"]
    else:
        args += ["-l", str(log), "restart"]
    done = subprocess.run(as_user("postgres", args), capture_output=True, text=True, check=False)
    if done.returncode != 0 and not (action == "stop" and "not running" in done.stderr):
        sys.exit(f"stand-in systemctl: pg_ctl {action}: {done.stdout}{done.stderr}")


# Units of the machine itself that the guide restarts after changing their settings.
MACHINE_UNITS = ("systemd-journald", "nginx")


def start(name: str) -> None:
    if name.startswith(MACHINE_UNITS):
        return
    if name.startswith("postgresql"):
        cluster("start")
        return
    if name.endswith(".timer"):
        (STATE / name).write_text("enabled\n")
        return
    env, settings = unit_settings(read_unit(name))
    args = as_user(settings.get("User"), exec_args(settings["ExecStart"]))
    cwd = settings.get("WorkingDirectory", "/")
    if settings.get("Type") == "oneshot":
        done = subprocess.run(args, cwd=cwd, env=env, check=False)  # noqa: S603
        if done.returncode != 0:
            sys.exit(f"stand-in systemctl: {name} failed ({done.returncode})")
        return
    log = STATE / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    (STATE / f"{name}.pid").write_text(str(process.pid))
    if "PORTAL_BIND" in env:
        wait_for_port(env["PORTAL_BIND"], process, log)


def pid_of(name: str) -> int | None:
    file = STATE / f"{name}.pid"
    return int(file.read_text()) if file.exists() else None


def stop(name: str) -> None:
    if name.startswith(MACHINE_UNITS):
        return
    if name.startswith("postgresql"):
        cluster("stop")
        return
    pid = pid_of(name)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    (STATE / f"{name}.pid").unlink(missing_ok=True)


def systemctl(args: list[str]) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    verb, rest = args[0], [a for a in args[1:] if not a.startswith("-")]
    if verb == "daemon-reload":
        return
    if verb == "enable":
        if "--now" in args:
            for name in rest:
                start(name)
        return
    if verb == "stop" and "--all" in args:
        rest = [p.name.removesuffix(".pid") for p in STATE.glob("*.pid")]
    handlers = {
        "start": [start],
        "stop": [stop],
        "restart": [stop, start],
        "reload": [lambda n: os.kill(pid_of(n) or 0, signal.SIGHUP)],
    }
    if verb in handlers:
        for name in rest:
            for handler in handlers[verb]:
                handler(name)
        return
    if verb in ("status", "is-active", "list-timers"):
        for name in rest:
            print(f"{name}: {'active' if pid_of(name) or (STATE / name).exists() else 'off'}")
        return
    sys.exit(f"stand-in systemctl: {verb} is not known here")


def systemd_run(args: list[str]) -> int:
    properties: list[tuple[str, str]] = []
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option in ("-p", "--property"):
            key, _, value = args.pop(0).partition("=")
            properties.append((key, value))
        elif option.startswith("--property="):
            key, _, value = option.removeprefix("--property=").partition("=")
            properties.append((key, value))
    env, settings = unit_settings(properties)
    command = as_user(settings.get("User"), args)
    cwd = settings.get("WorkingDirectory", "/")
    return subprocess.run(command, cwd=cwd, env=env, check=False).returncode  # noqa: S603


def sudo(args: list[str]) -> int:
    user = "root"
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option == "-u":
            user = args.pop(0)
    env = {**os.environ, **postgres_env(), "PGUSER": user}
    return subprocess.run(as_user(user, args), env=env, check=False).returncode  # noqa: S603


def install(args: list[str]) -> int:
    """install(1), leaving out owners this machine does not have (or that we may not give)."""
    kept: list[str] = []
    while args:
        option = args.pop(0)
        if option in ("-o", "-g"):
            owner = args.pop(0)
            known = user_exists(owner) if option == "-o" else group_exists(owner)
            if known and os.geteuid() == 0:
                kept += [option, owner]
        else:
            kept.append(option)
    return subprocess.run(["/usr/bin/install", *kept], check=False).returncode  # noqa: S603


def link_dependencies(args: list[str]) -> int:
    """After `pip install --no-deps WHEEL`: the test environment's dependencies, and the
    `flask` and `gunicorn` commands they would have brought."""
    venv = Path(args[0])
    python = venv / "bin" / "python"
    site = subprocess.run(  # noqa: S603
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(os.environ["STAND_IN_DEPENDENCIES"] + "\n")
    entry_points = {"flask": "flask.cli:main", "gunicorn": "gunicorn.app.wsgiapp:run"}
    for command, target in entry_points.items():
        module, function = target.split(":")
        script = venv / "bin" / command
        script.write_text(
            f"#!{python}\nimport sys\nfrom {module} import {function}\nsys.exit({function}())\n"
        )
        script.chmod(0o755)
    return 0


def main() -> int:
    name, args = Path(sys.argv[0]).name, sys.argv[1:]
    with (SANDBOX / "run" / "commands.log").open("a") as record:
        record.write(shlex.join([name, *args]) + "\n")
    if name == "systemctl":
        systemctl(args)
        return 0
    if name == "systemd-run":
        return systemd_run(args)
    if name == "sudo":
        return sudo(args)
    if name == "install":
        return install(args)
    if name == "link-dependencies":
        return link_dependencies(args)
    return 0  # useradd, journalctl: nothing to do in the sandbox


if __name__ == "__main__":
    sys.exit(main())
