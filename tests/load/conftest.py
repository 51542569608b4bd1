"""Options of the load test (``make load``); see ``test_crowd.py``.

Options given on the command line need this folder among pytest's arguments
(``pytest tests/load -m load --load-minutes 1``); the environment variables work anywhere.
"""

from __future__ import annotations

import os


def pytest_addoption(parser):
    group = parser.getgroup("load", "the load test (tests/load)")
    group.addoption("--load-minutes", type=float, default=float(os.environ.get("LOAD_MINUTES", 3)),
                    help="how long the crowd acts (default 3, or $LOAD_MINUTES)")
    group.addoption("--load-sessions", type=int, default=int(os.environ.get("LOAD_SESSIONS", 20)),
                    help="concurrent browser sessions (default 20, or $LOAD_SESSIONS)")
    group.addoption("--load-server-arg", action="append",
                    default=os.environ.get("LOAD_SERVER_ARGS", "").split(),
                    help="a streamlit option for the server, to compare settings, e.g. "
                         "--load-server-arg=--runner.postScriptGC=false ($LOAD_SERVER_ARGS: "
                         "several, space-separated)")
    group.addoption("--load-out", default=os.environ.get("LOAD_OUT", "artifacts/load"),
                    help="where the JSON report goes (default artifacts/load, or $LOAD_OUT)")
