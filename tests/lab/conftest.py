"""A live JupyterLab for the tests, started the way ``make lab`` starts it (tools/lab.py), on
127.0.0.1 with a free port, no token, and every Jupyter folder (config, runtime, settings,
workspaces, data) in a temporary directory.  The server runs under an audit hook that writes
down every connection it tries to open to another machine.  It is stopped at the end, also
when a test fails.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from pagecheck import chromium  # noqa: E402,F401  (a fixture)

# Runs tools/lab.py after installing an audit hook that logs attempts to reach other machines.
GUARDED = r"""
import os, runpy, sys
log = os.environ["BACKPROP_OUTBOUND_LOG"]
def local(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in ("", "None", "localhost", "::1", "0.0.0.0") or host.startswith("127.")
def hook(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if not local(host):
        with open(log, "a") as f:
            f.write(f"{event} {host}\n")
sys.addaudithook(hook)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

# Settings of this test run only: never save over the chapters, keep every cell in the DOM.
TEST_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.outbound_log = folder / "outbound.log"
        self.server_log = folder / "server.log"
        self.env = dict(os.environ)
        for name, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                          ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                          ("JUPYTER_DATA_DIR", "data")]:
            (folder / sub).mkdir(parents=True, exist_ok=True)
            self.env[name] = str(folder / sub)
        self.env.pop("JUPYTER_CONFIG_PATH", None)
        self.env["BACKPROP_OUTBOUND_LOG"] = str(self.outbound_log)
        for name, value in TEST_SETTINGS.items():
            path = folder / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        self.outbound_log.write_text("")
        self.process = None

    def start(self, timeout=90):
        cmd = [sys.executable, "-c", GUARDED, str(ROOT / "tools" / "lab.py"), "--no-browser",
               f"--port={self.port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True"]
        self.log_file = open(self.server_log, "w")
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab stopped at start (exit {self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "api/status", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{self.log_tail()}")

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as r:
            return json.load(r)

    def outbound(self):
        return [line for line in self.outbound_log.read_text().splitlines() if line]

    def log_tail(self, lines=30):
        return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is not None:
            self.log_file.close()
            return
        self.process.terminate()               # the server shuts its kernels down, then stops
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)     # the server's own process group
            self.process.wait(timeout=10)
        self.log_file.close()


def pytest_terminal_summary(terminalreporter):
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "live timing":
                terminalreporter.write_line(f"live JupyterLab run: {value}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("lab"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def outbound_guard():
    """The Python code the server runs under (``python -c`` it, then the script and its options)."""
    return GUARDED

