"""The page state: value kinds, the kept values and the URL round trip without Streamlit; the
binding to a session in the smallest app that shows each rule."""

import math

import pytest
from streamlit.testing.v1 import AppTest

from latent_lab.state.kinds import Bool, Choice, Float, Int, Point, Setting, setting_table
from latent_lab.state.page_state import MAX_QUERY_PARAMS, PageState
from latent_lab.state.settings import SETTINGS


def fresh():
    return PageState({}, SETTINGS)


@pytest.mark.parametrize(("kind", "text", "value"), [
    (Int(1, 10), "7", 7),
    (Int(1, 10), "7.0", 7),
    (Float(0.0, 3.0, step=0.1), "1.3", 1.3),
    (Float(0.0, 3.0, step=0.1), "1.34", 1.3),  # snapped to the slider's step
    (Float(1e-5, 1.0), "0.0003", 0.0003),
    (Bool(), "1", True),
    (Bool(), "0", False),
    (Choice((0.0, 0.25, 1.0)), "0.25", 0.25),
    (Choice((0.0, 0.25, 1.0)), "1", 1.0),
    (Choice(("adam", "sgd")), "sgd", "sgd"),
    (Choice(tuple(range(10))), "3", 3),
    (Point(100.0), "-1.5,2.25", (-1.5, 2.25)),
])
def test_kinds_parse_what_they_format(kind, text, value):
    parsed = kind.parse(text)
    assert parsed == value and type(parsed) is type(value)
    assert kind.parse(kind.format(parsed)) == parsed


@pytest.mark.parametrize(("kind", "text"), [
    (Int(1, 10), "0"), (Int(1, 10), "11"), (Int(1, 10), "2.5"), (Int(1, 10), "abc"),
    (Int(1, 1000), "1e9"), (Int(1, 10), "nan"), (Int(1, 10), "inf"), (Int(1, 10), ""),
    (Int(1, 10), "1" * 400),
    (Float(0.0, 3.0), "-0.5"), (Float(0.0, 3.0), "NaN"), (Float(0.0, 3.0), "1e400"),
    (Bool(), "yes"), (Bool(), "2"),
    (Choice((0.0, 0.25)), "0.3"), (Choice(("adam", "sgd")), "<script>"),
    (Choice(tuple(range(10))), "True"),
    (Point(100.0), "1"), (Point(100.0), "1,2,3"), (Point(100.0), "1e9,0"), (Point(100.0), "a,b"),
])
def test_kinds_refuse_what_is_not_a_value(kind, text):
    with pytest.raises(ValueError, match="expected"):
        kind.parse(text)


def test_values_from_widgets_are_checked_too():
    assert Int(1, 10).check(3.0) == 3
    with pytest.raises(ValueError):
        Int(1, 10).check(True)  # a bool is not a number here
    with pytest.raises(ValueError):
        Float(0.0, 1.0).check(math.nan)
    with pytest.raises(ValueError):
        Choice((1, 2)).check("1")  # text is not the number 1


def test_only_non_defaults_are_kept_and_written():
    state = fresh()
    assert state.get("gen_temperature") == 1.0 and state.query() == {}
    assert state.set("gen_temperature", 1.3) is True
    assert state.set("gen_temperature", 1.3) is False
    assert state.values == {"gen_temperature": 1.3}
    state.set("beta_beta", 4.0)
    state.set("latent_z", (-1.5, 2.0))
    assert state.query() == {"latent_z": "-1.5,2", "beta_beta": "4", "gen_temperature": "1.3"}
    state.set("gen_temperature", 1.0)  # back at its default: nothing to keep
    assert "gen_temperature" not in state.values and "gen_temperature" not in state.query()


def test_a_url_written_by_one_session_rebuilds_another():
    one = fresh()
    for key, value in [("gen_temperature", 2.4), ("gen_n", 64), ("beta_warmup", True),
                       ("interp_mode", "by index"), ("interp_index_b", 359), ("train_kind", "ae"),
                       ("train_learning_rate", 0.0025), ("latent_z", (0.5, -3.25)),
                       ("train_snapshot", 150), ("explore_models", "trained")]:
        one.set(key, value)
    two = fresh()
    assert two.read_query(one.query()) == []
    assert two.values == one.values


def test_a_hostile_url_is_refused_line_by_line_and_keeps_the_rest():
    state = fresh()
    problems = state.read_query({
        "gen_temperature": "abc", "train_epochs": "1000000000", "beta_beta": ["1", "2"],
        "evil": "<script>alert(1)</script>", "gen_n": "64", "embed": "true",
        "latent_z": "nan,0", "x" * 500: "1",
    })
    assert state.values == {"gen_n": 64}  # the one valid setting is taken
    assert len(problems) == 6
    text = "\n".join(problems)
    assert "gen_temperature" in text and "kept 1" in text
    assert "train_epochs" in text and "from 1 to 1000" in text
    assert "given 2 times" in text
    assert "not a setting of this app" in text
    assert all(len(line) < 200 for line in problems)  # long names and values are cut short


def test_an_overlong_url_is_not_read_at_all():
    state = fresh()
    params = {f"p{i}": "1" for i in range(MAX_QUERY_PARAMS + 1)} | {"gen_n": "64"}
    problems = state.read_query(params)
    assert len(problems) == 1 and state.values == {}


def test_the_table_refuses_repeats_and_invalid_defaults():
    with pytest.raises(ValueError, match="twice"):
        setting_table(Setting("a", 1, Int(0, 2)), Setting("a", 1, Int(0, 2)))
    with pytest.raises(ValueError, match="default"):
        setting_table(Setting("a", 5, Int(0, 2)))


def test_every_setting_belongs_to_a_page_and_its_default_is_valid():
    prefixes = ("train_", "latent_", "beta_", "interp_", "gen_", "explore_")
    for key, setting in SETTINGS.items():
        assert key.startswith(prefixes), key
        if setting.default is not None:
            assert setting.kind.check(setting.default) == setting.default


# ----------------------------------------------------------------------------- the Streamlit binding
def _form_that_disables_itself():
    import streamlit as st

    from latent_lab.state import page_state

    page_state.begin_run()
    busy = st.session_state.get("busy", False)
    with st.form("form"):
        page_state.widget(st.number_input, "Epochs", key="train_epochs", step=10, disabled=busy)
        page_state.widget(st.selectbox, "Optimizer", ("adam", "sgd"), key="train_optimizer", disabled=busy)
        st.form_submit_button("Train", key="go", disabled=busy,
                              on_click=lambda: st.session_state.update(busy=True))


def test_a_form_disabled_by_its_own_submit_keeps_what_was_submitted():
    at = AppTest.from_function(_form_that_disables_itself).run()
    at.number_input(key="train_epochs").set_value(150)
    at.selectbox(key="train_optimizer").set_value("sgd")
    at.button(key="go").click().run()
    # Streamlit answers a disabled widget with its value before the submit (300, adam).
    assert at.number_input(key="train_epochs").value == 150 and at.selectbox(key="train_optimizer").value == "sgd"
    assert dict(at.query_params) == {"train_epochs": "150", "train_optimizer": "sgd"}
    at.run()
    at.session_state["busy"] = False  # the job ended: the form is live again, at the same values
    at.run()
    assert at.number_input(key="train_epochs").value == 150 and at.selectbox(key="train_optimizer").value == "sgd"
    at.number_input(key="train_epochs").set_value(40)
    at.button(key="go").click().run()
    assert at.number_input(key="train_epochs").value == 40


def _slider_with_a_computed_default():
    import streamlit as st

    from latent_lab.state import page_state

    page_state.begin_run()
    epochs = st.session_state.get("epochs", [0, 10, 20])
    wanted = page_state.get("train_snapshot")
    if not st.session_state.get("folded"):  # not drawn in this run (a model is training)
        page_state.widget(st.select_slider, "Epoch", options=epochs, key="train_snapshot",
                          value=wanted if wanted in epochs else epochs[-1], shown_default=epochs[-1])


def test_a_widget_showing_the_computed_default_keeps_the_default():
    at = AppTest.from_function(_slider_with_a_computed_default).run()
    assert at.select_slider(key="train_snapshot").value == 20 and "train_snapshot" not in at.query_params
    at.select_slider(key="train_snapshot").set_value(10).run()
    assert at.query_params["train_snapshot"] == "10"
    at.select_slider(key="train_snapshot").set_value(20).run()
    assert "train_snapshot" not in at.query_params  # not "20": the last is what the default shows
    at.session_state["folded"] = True  # its value is taken at the start of a run that does not draw it
    at.run()
    assert "train_snapshot" not in at.query_params
    linked = AppTest.from_function(_slider_with_a_computed_default)
    linked.query_params["train_snapshot"] = "15"  # not an option: the last is shown, the link drops 15
    linked.run()
    assert linked.select_slider(key="train_snapshot").value == 20 and "train_snapshot" not in linked.query_params


def test_tracker_parameters_are_ignored_silently_and_other_unknown_keys_still_noted():
    state = fresh()
    problems = state.read_query({
        "utm_source": "newsletter", "UTM_Campaign": "x", "fbclid": "IwAR0", "gclid": "Cj0K",
        "msclkid": "1", "ref": "producthunt", "gen_n": "64", "utmost": "1",
    })
    assert state.values == {"gen_n": 64}
    assert len(problems) == 1 and "utmost" in problems[0]  # not a tracker: still noted
