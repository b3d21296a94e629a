"""`streamlit run app.py` on a free loopback port: shared by the browser benchmark and the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(
    workspace: Path, *extra: str, timeout_s: float = 120.0, script: str = "app.py"
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the app (or another script) on a workspace, wait for its health check.

    Returns the process and base URL.
    """
    port = free_port()
    env = {**os.environ, "UXCX_WORKSPACE": str(workspace), "PYTHONPATH": str(ROOT)}
    log = open(workspace / "server.log", "w")  # noqa: SIM115 - the process owns it
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script,
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *extra],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start: {(workspace / 'server.log').read_text()}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server started by start_server."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
