"""Page state: every setting the pages show, kept for the whole session and mirrored in the URL.

Streamlit keeps a widget's value only while script runs keep drawing the widget: a page switch,
or a fragment rerun somewhere else, drops it; and a new session (the tab stayed open while the
server restarted) starts empty. So no page relies on widget state alone:

- every setting is declared once, in :data:`latent_lab.state.settings.SETTINGS`: its key (the widget
  key and the query parameter), its default and the values it may take;
- the values live in one plain dict in the session (:class:`PageState`), which Streamlit's
  widget clean-up never touches; only values that differ from their defaults are kept;
- widgets are drawn through :func:`widget`, which hands the kept value to the widget as its
  initial value (never through ``st.session_state``, which would override what the browser
  sends) and keeps whatever the widget returns. A widget drawn again after a page switch starts
  at the kept value; a live widget keeps the value the browser sends, also the value a browser
  re-sends to a new session after a server restart;
- a disabled widget (the training form while a model trains) is the exception: Streamlit drops
  whatever the browser sends for it and answers with the widget's value before that, which in
  the run that submitted a form and disabled it is the value before the visitor typed. A
  disabled widget cannot change a setting, so it is set to the kept value, and shows it;
- a setting whose default stands for a value the page computes (the snapshot epoch: None is the
  model's last) tells :func:`widget` what its widget shows for the default; the widget showing
  that value keeps the default, so the URL never names a value the page would compute anyway;
- the first run of a session reads the settings from the URL's query string (a shared link, or a
  tab left open across a restart); every run writes the settings that differ from their defaults
  back into it, and the sidebar's page links carry them, so the URL always reproduces the view.

The pure part (:class:`PageState`; the value kinds live in ``kinds``) is tested without Streamlit; the
functions below it bind it to a Streamlit session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping

import streamlit as st

from latent_lab.state.kinds import Setting, same
from latent_lab.state.settings import SETTINGS

# ----------------------------------------------------------------------------- the pure state
# Query parameters that belong to Streamlit, not to the app: never reported as unknown.
STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})
# What link trackers add to a shared link (campaign tags, click ids): ignored without a notice.
TRACKER_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "ttclid", "yclid",
    "li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref",
})
TRACKER_PREFIXES = ("utm_",)
# A URL may name at most this many parameters; beyond that it is not read at all.
MAX_QUERY_PARAMS = 64


class PageState:
    """The settings of one session: a view on a dict that holds the non-default values.

    Parameters
    ----------
    values : dict
        Where the values live (kept in the Streamlit session); only non-default values are stored.
    settings : dict of str -> Setting
        The table of every setting.
    """

    def __init__(self, values: MutableMapping, settings: Mapping[str, Setting]):
        self.values = values
        self.settings = settings

    def get(self, key: str):
        return self.values.get(key, self.settings[key].default)

    def set(self, key: str, value) -> bool:
        """Keep ``value`` for ``key``; ``ValueError`` if it is not a valid value. True if it changed."""
        setting = self.settings[key]
        value = None if value is None and setting.default is None else setting.kind.check(value)
        before = self.get(key)
        if _equal(value, setting.default):
            self.values.pop(key, None)
        else:
            self.values[key] = value
        return not _equal(before, value)

    def reset(self, key: str) -> None:
        self.values.pop(key, None)

    def query(self) -> dict[str, str]:
        """The non-default settings as query parameters, in table order."""
        return {key: setting.kind.format(self.values[key]) if self.values[key] is not None else ""
                for key, setting in self.settings.items() if key in self.values}

    def read_query(self, params: Mapping[str, str | list[str]]) -> list[str]:
        """Take the settings a URL names; return one plain-text line per parameter that was refused.

        A refused parameter (unknown, repeated, malformed, out of range) leaves its setting at
        its current value. Nothing here can ask for unbounded work: every value is checked
        against its setting's bounds, and an overlong query is refused whole.
        """
        names = [name for name in params if name not in STREAMLIT_PARAMS and not is_tracker(name)]
        if len(names) > MAX_QUERY_PARAMS:
            return [f"The link has {len(names)} parameters, more than the app ever writes: it was "
                    "ignored."]
        problems = []
        for name in names:
            raw = params[name]
            label = _printable(name)
            if name not in self.settings:
                problems.append(f"“{label}” is not a setting of this app.")
                continue
            if isinstance(raw, (list, tuple)):
                if len(raw) != 1:
                    problems.append(f"“{label}” is given {len(raw)} times.")
                    continue
                raw = raw[0]
            setting = self.settings[name]
            try:
                value = None if raw == "" and setting.default is None else setting.kind.parse(str(raw))
                self.set(name, value)
            except ValueError as err:
                problems.append(f"“{label}” = “{_printable(str(raw))}”: {err}; "
                                f"kept {self._shown(name)}.")
        return problems

    def _shown(self, key):
        value = self.get(key)
        return "none" if value is None else self.settings[key].kind.format(value)


def is_tracker(name: str) -> bool:
    """Whether query parameter ``name`` is one a link tracker adds (``utm_source``, ``fbclid``...)."""
    name = name.lower()
    return name in TRACKER_PARAMS or name.startswith(TRACKER_PREFIXES)


def _equal(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return same(a, b)


def _printable(text: str, limit: int = 40) -> str:
    """``text`` cut short and without control characters, safe to show as plain text."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


# ----------------------------------------------------------------------------- Streamlit binding
_VALUES_KEY = "_page_state"  # the dict of non-default values; not a widget key
_META_KEY = "_page_state_meta"  # whether the URL was read yet, and what it said
_SHOWN_DEFAULTS_KEY = "_page_state_shown_defaults"  # key -> what its widget last showed for the default
# Widgets whose initial value is given as the index of an option rather than as the value.
_INDEX_WIDGETS = frozenset({"radio", "selectbox"})
_NOTHING = object()  # no value given


def current() -> PageState:
    """This session's page state."""
    if _VALUES_KEY not in st.session_state:
        st.session_state[_VALUES_KEY] = {}
    return PageState(st.session_state[_VALUES_KEY], SETTINGS)


def begin_run() -> list[str]:
    """Call first in every run: read the URL once per session, take widget changes, mirror the URL.

    Returns the problems found in the URL when this run read it (empty otherwise), for a notice.
    """
    state = current()
    meta = st.session_state.get(_META_KEY)
    problems = []
    if meta is None:
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        problems = state.read_query(params)
        st.session_state[_META_KEY] = {"read_url": True}
    # A live widget's new value is known before it is drawn: take it now, so the sidebar links
    # and the URL written below already carry the change that caused this run.
    shown_defaults = st.session_state.get(_SHOWN_DEFAULTS_KEY, {})
    for key, setting in state.settings.items():
        if setting.widget and key in st.session_state:
            _keep(state, key, st.session_state[key], shown_defaults.get(key, _NOTHING))
    sync_url()
    return problems


def _keep(state: PageState, key: str, value, shown_default=_NOTHING) -> None:
    """Keep what a widget holds; the value it shows for the default keeps the default."""
    if shown_default is not _NOTHING and _equal(value, shown_default):
        value = state.settings[key].default
    try:
        state.set(key, value)
    except ValueError:
        pass  # e.g. a number typed out of range: the form reports it, the state keeps the last good one


def sync_url() -> None:
    """Write the non-default settings into the URL's query string, if they differ from it."""
    wanted = current().query()
    have = {name: st.query_params.get_all(name) for name in st.query_params if name not in STREAMLIT_PARAMS}
    if have != {name: [value] for name, value in wanted.items()}:
        embed = {name: st.query_params.get_all(name) for name in st.query_params if name in STREAMLIT_PARAMS}
        st.query_params.from_dict({**embed, **wanted})


def get(key: str):
    """The kept value of ``key``."""
    return current().get(key)


def put(key: str, value) -> None:
    """Keep a new value for ``key`` (a setting no widget holds, or one a callback changes).

    For a widget's key this also sets the widget, so call it from a callback or before the
    widget is drawn in this run (Streamlit refuses to change a widget drawn already).
    """
    state = current()
    state.set(key, value)
    if state.settings[key].widget:
        if state.get(key) is None:
            forget([key])  # no widget holds None: it is drawn afresh at its computed value
        else:
            st.session_state[key] = state.get(key)
    sync_url()


def widget(draw: Callable, label: str, *args, key: str, value=_NOTHING, shown_default=_NOTHING, **kwargs):
    """Draw a widget whose value is the kept setting ``key``, keep what it returns, return that.

    ``draw`` is a Streamlit widget function or method (``st.slider``, ``column.radio``...), called
    as ``draw(label, *args, key=key, **kwargs)`` plus its initial value: the kept value, or
    ``value`` where the page computes it from the kept one (e.g. the nearest valid option).
    ``shown_default`` is what the widget shows for the setting's default, where that is
    computed (the last snapshot for None): the widget returning it keeps the default. For
    ``radio`` and ``selectbox`` the options are the first positional argument (or ``options=``).
    A widget drawn with ``disabled=True`` shows the kept value and cannot change it.
    """
    state = current()
    if value is _NOTHING:
        value = state.get(key)
    if kwargs.get("disabled") and value is not None:
        # Set, not just offered: Streamlit answers a disabled widget with its previous value,
        # which is not the kept one when a form's submit disabled it in the same run.
        st.session_state[key] = value
    if getattr(draw, "__name__", "") in _INDEX_WIDGETS:
        options = list(args[0] if args else kwargs["options"])
        kwargs["index"] = next((i for i, option in enumerate(options) if _equal(option, value)), 0)
    else:
        kwargs["value"] = value
    result = draw(label, *args, key=key, **kwargs)
    shown_defaults = st.session_state.setdefault(_SHOWN_DEFAULTS_KEY, {})
    if shown_default is _NOTHING:
        shown_defaults.pop(key, None)
    else:
        shown_defaults[key] = shown_default
    _keep(state, key, result, shown_default)
    sync_url()
    return result


def link_params() -> dict[str, str] | None:
    """Query parameters for page links, so a link opened anywhere shows the same settings."""
    return current().query() or None


def forget(keys: Iterable[str]) -> None:
    """Drop the widget state of ``keys`` so their widgets are drawn at the kept values again."""
    for key in keys:
        if key in st.session_state:
            del st.session_state[key]
