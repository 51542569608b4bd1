"""Run several replicas of the app behind nginx, as ``deploy/nginx.conf`` describes; Ctrl-C stops all.

    python -m scripts.serve_replicas [--replicas 2] [--port 8501] [--run-dir DIR]

Starts ``--replicas`` ``streamlit run app.py`` processes on free local ports and one nginx, in the
foreground with the config rendered from ``deploy/nginx.conf`` (WebSocket upgrade, sticky sessions
by cookie), listening on 127.0.0.1:``--port``. nginx's config, pid file, logs and temporary files
go to ``--run-dir`` (default: a new temporary directory); its access log names the replica that
answered each request. Needs nginx (``scripts/ensure_proxy.sh``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness.browser import NginxProxy, StreamlitServer

REPO_ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8501, help="the port nginx listens on")
    parser.add_argument("--run-dir", help="for nginx's config, logs and temporary files")
    args = parser.parse_args()
    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="latent-lab-replicas-"))
    servers = [StreamlitServer(REPO_ROOT, log_path=run_dir / f"replica{i}.log")
               for i in range(args.replicas)]
    proxy = NginxProxy([f"127.0.0.1:{s.port}" for s in servers], run_dir / "nginx", port=args.port)
    try:
        for server in servers:
            server.start()
            print(f"replica on {server.url} (pid {server.process.pid})", flush=True)
        proxy.start()
        print(f"nginx on {proxy.url} (config and access log in {proxy.run_dir}); Ctrl-C stops all",
              flush=True)
        proxy.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
