"""Starting the board (the Streamlit app in ``dashboard/``) as its own process.

The command line does not import the board; it runs it, handing the configuration down as
environment variables, so the board reads the same settings the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from huiying.settings import REPO_DIR, Config

APP = REPO_DIR / "dashboard" / "app.py"


def board_command(config: Config) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", "127.0.0.1",
        "--server.port", str(config.board_port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
    ]


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


def start_board(config: Config) -> tuple[subprocess.Popen[bytes], str]:
    """Start the board and wait until it answers; raises with the reason if it cannot start."""
    if not APP.exists():
        raise RuntimeError(f"the board's app is missing at {APP}; reinstall Huiying")
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", config.board_port)) == 0:
            raise RuntimeError(
                f"port {config.board_port} is already in use (is another board running?); "
                "choose another port with --port or HUIYING_BOARD_PORT"
            )
    env = {**os.environ, **config.env()}
    proc = subprocess.Popen(board_command(config), env=env)
    if not _wait_for_port(config.board_port, proc):
        proc.terminate()
        raise RuntimeError(
            f"the board did not start on port {config.board_port}: is another program using it? "
            "Choose another port with --port or HUIYING_BOARD_PORT."
        )
    return proc, f"http://127.0.0.1:{config.board_port}"


def run_board(config: Config) -> int:
    proc, url = start_board(config)
    print(f"看板 board: {url}  (Ctrl+C 停止)", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
