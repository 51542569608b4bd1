"""A session's memory goes when the session does.

Streamlit keeps a closed tab's session for ``server.disconnectedSessionTTL`` seconds (so that a tab
that lost its connection for a moment gets it back), then drops it, but only when it next writes
to its store of disconnected sessions (another tab closing), and without shutting it down (its
uploaded files stay in Streamlit's file manager). An idle server kept its last visitors' sessions
(their page state, uploads and models) for ever. And memory that Python frees goes back to the
operating system only when the C allocator hands it back.

:func:`on_run` (every page run) ties the caches' entries of the session's upload to the session
(``latent_lab.models.cache.track``) and starts, once per process, a thread that every
``REAP_EVERY`` seconds shuts down the sessions whose time is up, forgets what the caches hold of
uploads no session holds any more, collects garbage when something went, and asks the
allocator to return free memory (``malloc_trim``, on glibc). It reads Streamlit's session store, which has no public
interface: if that changes, the reaper does nothing and says so once in the server's log.

A tab left open while the server restarted is another session's remains: :func:`reconnect_watch`
makes it rerun as soon as it reconnects, and :func:`lost_session` says on that first run what was
lost (and which click could not be carried out: its callback went with the old session).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import functools
import gc
import threading
import time
import traceback

import streamlit as st

from latent_lab.drawing.component_files import read_asset
from latent_lab.models import cache

# How often the reaper looks for sessions whose time is up (their timeout is two minutes).
REAP_EVERY = 10.0
_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []


def on_run() -> None:
    """Every page run: tie this session's upload to it, and make sure the reaper runs."""
    upload = st.session_state.get("dataset")  # (not ``active``: the digits are not built here)
    if upload is not None:
        cache.track(upload)
    with _LOCK:
        if not _THREAD or not _THREAD[0].is_alive():
            tune_allocator()
            _THREAD[:] = [threading.Thread(target=_reap_forever, name="session-reaper", daemon=True)]
            _THREAD[0].start()


_STARTED = "_session_started"  # set on a session's first run
RECONNECT_KEY = "session_reconnect"
# What the buttons a visitor may press on a stale view do, for the notice (by widget key).
CLICKS = {"train_step_button": "Step: 1 epoch", "train_continue_button": "Continue",
          "train_submit_button": "Train", "train_stop_button": "Stop"}


def reconnect_watch() -> None:
    """Mount the watcher that reruns the page when the tab reconnects (it draws nothing)."""
    _reconnect_component()(key=RECONNECT_KEY, data=None, on_reconnected_change=lambda: None)


@functools.cache
def _reconnect_component():
    return st.components.v2.component("latent_lab.reconnect", js=read_asset("reconnect.js"))


def lost_session() -> list[str] | None:
    """On a session's first run, whether the tab outlived an earlier session, and what it lost.

    None for a new tab (or any later run). For a tab that was open while the server restarted
    (or away longer than its session is kept), the labels of the buttons its browser reports
    pressed: their callbacks went with the old session, so those clicks were not carried out.
    """
    if st.session_state.get(_STARTED):
        return None
    st.session_state[_STARTED] = True
    states = _incoming_widget_states()
    if not states:
        return None  # a new tab has no widgets to report
    clicks = []
    for widget_id, state in states.items():
        key = widget_id.split("-", maxsplit=2)[-1]
        proto = getattr(state, "value", None)
        if key != RECONNECT_KEY and getattr(proto, "WhichOneof", None) and \
                proto.WhichOneof("value") == "trigger_value" and proto.trigger_value:
            clicks.append(CLICKS.get(key, "a button"))
    return clicks


def lost_session_notice(clicks: list[str]) -> str:
    """What the page says on the first run of a tab that outlived its session."""
    text = ("This tab was open while the server restarted (or was away longer than a session is "
            "kept), so it has a new session: what lived only in the old one is gone: models you "
            "trained or loaded, images you uploaded, a training under way. The view's settings and "
            "models named by its link came back.")
    if clicks:
        text += (f" Your click ({', '.join(clicks)}) was not carried out: it was meant for the old "
                 "session's view. Press it again if you still want it.")
    return text


def _incoming_widget_states() -> dict:
    """The widget states the browser sent for this run (Streamlit internals; {} if unreadable)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    state = getattr(getattr(ctx, "session_state", None), "_state", None)
    return dict(getattr(getattr(state, "_new_widget_state", None), "states", {}) or {})


def reap() -> dict:
    """Shut down the sessions whose time is up and free what only they held; say what went."""
    closed = close_expired_sessions()
    if closed:
        gc.collect()  # session state in reference cycles; then the uploads they held are gone
    gone = cache.forget_gone()
    if closed or gone:
        gc.collect()
    release_memory()  # also what trainings and page runs freed since the last time (a few ms)
    return {"sessions": closed, "uploads": gone}


def close_expired_sessions() -> int:
    """Shut down the disconnected sessions whose timeout has passed; return how many."""
    store = _session_store()
    if store is None:
        return 0
    runtime = _runtime()
    done: concurrent.futures.Future = concurrent.futures.Future()

    def on_event_loop():  # Streamlit's session store belongs to its event loop's thread
        try:
            expired = store.expire()
            for _, info in expired:
                info.session.shutdown()
                # Streamlit's send loop keeps its last session referenced until another one
                # sends: empty the state, so what it holds goes now.
                _empty(info.session)
            done.set_result(len(expired))
        except Exception as err:  # handed to the reaper's thread
            done.set_exception(err)

    runtime._get_async_objs().eventloop.call_soon_threadsafe(on_event_loop)
    return done.result(timeout=30)


def _empty(session) -> None:
    """Drop what a shut-down session holds: its state, widgets' callbacks (they hold the page's
    variables) and fragments (Streamlit internals; whatever is not there is skipped)."""
    state = getattr(session, "_session_state", None)
    getattr(state, "clear", lambda: None)()
    getattr(getattr(getattr(state, "_new_widget_state", None), "widget_metadata", None), "clear", lambda: None)()
    getattr(getattr(session, "_fragment_storage", None), "clear", lambda: None)()


# glibc's mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8


def tune_allocator() -> None:
    """Make freed arrays go back to the operating system (glibc; elsewhere nothing).

    glibc serves a block of at least ``M_MMAP_THRESHOLD`` bytes with a mapping of its own, which
    goes back when freed, but it raises that threshold to the size of every such block freed (up
    to 32 MB), so that after a few large arrays come and go, arrays of tens of MB (an upload's
    pixels, a batch of its codes) come from its heaps, where freed memory stays the process's.
    A fixed 1 MB keeps them in mappings; and two heaps shared by every thread instead of one
    per thread keep the rest from spreading.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 2**20)
        libc.mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


def release_memory() -> None:
    """Ask the C allocator to return free memory to the operating system (glibc; else nothing)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _runtime():
    from streamlit.runtime import Runtime

    return Runtime.instance() if Runtime.exists() else None


_WARNED: list[bool] = []


def _session_store():
    """Streamlit's store of disconnected sessions (a TTL cache with ``expire()``), or None."""
    runtime = _runtime()
    store = getattr(getattr(getattr(runtime, "_session_mgr", None), "_session_storage", None), "_cache", None)
    if runtime is not None and not callable(getattr(store, "expire", None)) and not _WARNED:
        _WARNED.append(True)
        print("latent_lab: Streamlit's session store has changed; closed sessions are left to Streamlit.")
    return store if callable(getattr(store, "expire", None)) else None


def _reap_forever() -> None:
    while True:
        time.sleep(REAP_EVERY)
        try:
            reap()
        except Exception:  # the reaper must outlive any one failure
            traceback.print_exc()
