"""A session's memory goes with it; a tab that outlived its session says what it lost."""

from types import SimpleNamespace

from latent_lab.state import sessions
from tests.pages.app_helpers import PAGES, open_page


def test_a_new_tab_is_not_told_it_lost_anything():
    at = open_page(PAGES[0])
    assert not any("server restarted" in w.value for w in at.warning)
    at.switch_page(PAGES[1]).run()  # nor on later runs
    assert not any("server restarted" in w.value for w in at.warning)


def test_the_notice_says_what_went_with_the_old_session_and_which_click_was_not_carried_out():
    text = sessions.lost_session_notice([])
    assert "server restarted" in text and "images you uploaded" in text and "came back" in text
    assert "click" not in text
    text = sessions.lost_session_notice([sessions.CLICKS["train_step_button"]])
    assert "Your click (Step: 1 epoch) was not carried out" in text and "Press it again" in text


def test_a_shut_down_session_lets_go_of_its_state_its_callbacks_and_its_fragments():
    cleared = []
    widgets = SimpleNamespace(widget_metadata={"w": "a callback holding the page's variables"})
    state = SimpleNamespace(clear=lambda: cleared.append("state"), _new_widget_state=widgets)
    fragments = SimpleNamespace(clear=lambda: cleared.append("fragments"))
    sessions._empty(SimpleNamespace(_session_state=state, _fragment_storage=fragments))
    assert cleared == ["state", "fragments"] and widgets.widget_metadata == {}
    sessions._empty(object())  # another Streamlit's session: nothing to do, nothing raised


def test_reaping_outside_a_server_finds_nothing_and_raises_nothing():
    assert sessions.close_expired_sessions() == 0
    assert sessions.reap()["sessions"] == 0
