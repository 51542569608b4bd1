import streamlit as st

from latent_lab.drawing import model_views, ui
from latent_lab.images.dataset import active
from latent_lab.measures import per_model
from latent_lab.models import cache, continuing, uploaded
from latent_lab.models import training as session
from latent_lab.state import page_state
from latent_lab.state.settings import KIND_LABELS, OPTIMIZER_NAMES, PACE_LABELS, RECIPE_LABELS

ui.page(
    "Training dynamics",
    "Pick an autoencoder (AE) or a variational autoencoder (VAE), set how it is trained and press **Train**: "
    "the charts redraw as it learns, on the training digits and on held-out digits it never sees, in nats "
    "(natural-log units) for a VAE. **Stop** keeps what was trained, **Continue** adds epochs, **Step** trains "
    "one at a time. The *blog* recipe is the post's per-sample loop (about a minute for the VAE). A fast run "
    "ends in a second, so the charts replay it at the **Pace** you choose: watch the latent map form.",
)

state, trainer = st.session_state, cache.trainer()
dataset = active(state)  # what the form trains on: the digits, or an upload
session.ensure_model(state)
if ended := session.collect(state):  # a fast job may end within the run that started it
    state.train_note = ended
job, live = state.get("train_job"), session.watched(state)  # live: a training, or a replay of one
busy = job is not None and job.active
recipe = {"on_change": session.use_recipe, "args": (state, page_state.put)}  # a recipe fills the form

# A training folds the settings away: its live charts, then its results, come right under the title.
with st.expander("Model and training settings", expanded=session.settings_open(state, busy),
                 key=session.SETTINGS_EXPANDER, on_change="rerun"):
    top = st.columns([2, 3, 2, 2])
    kind = page_state.widget(top[0].radio, "Model", list(KIND_LABELS), format_func=KIND_LABELS.get,
                             key="train_kind", disabled=busy, horizontal=True, **recipe)
    page_state.widget(top[1].radio, "Recipe", list(RECIPE_LABELS), format_func=RECIPE_LABELS.get,
                      key="train_recipe", disabled=busy, horizontal=True, **recipe)
    pace = page_state.widget(top[2].select_slider, "Pace", list(PACE_LABELS), format_func=PACE_LABELS.get,
                             key="train_pace", on_change=session.re_pace, args=(state,), help=model_views.PACE_HELP)
    with top[3].popover("Load a saved model (.npz)", width="stretch"):
        st.file_uploader("Model file", type=["npz"], key="train_upload", disabled=busy,
                         on_change=lambda: uploaded.model_file(state, state.get("train_upload")))
    with top[3].popover(f"Data: {dataset.name}", width="stretch"):
        st.markdown(uploaded.IMAGES_HELP)
        st.file_uploader("Images", type=["csv", "npz", "npy", "png"], accept_multiple_files=True,
                         key="train_data_upload", disabled=busy,
                         on_change=lambda: uploaded.image_files(state, state.get("train_data_upload")))
        if not dataset.is_digits:
            st.button("Back to the 8×8 digits", on_click=uploaded.back_to_digits, args=(state,),
                      key="train_digits_button", disabled=busy)
    with st.form("train_form", border=False):
        # No bounds in the boxes themselves: a browser refuses an out-of-range number silently,
        # so every value is checked on submit and a bad one is named on the page.
        cells = st.columns(5) + st.columns(5)
        for cell, (name, label) in zip(cells, session.FORM_FIELDS, strict=False):
            off = busy or (kind != "vae" and name in session.KL_FIELDS)
            if name == "optimizer":
                page_state.widget(cell.selectbox, label, OPTIMIZER_NAMES, key="train_optimizer", disabled=off)
            else:
                page_state.widget(cell.number_input, label, key=f"train_{name}", disabled=off,
                                  **session.FIELD_STEPS[name])
        cells[-1].write("")  # aligns the button with the boxes
        cells[-1].form_submit_button("Train", type="primary", on_click=session.train_form, args=(state, trainer, pace),
                                     disabled=busy, key="train_submit_button", width="stretch")
    cols = st.columns([1, 1, 1, 2])
    more = page_state.widget(cols[0].number_input, "More epochs", min_value=1, max_value=1000,
                             key="train_more", disabled=busy)
    cols[1].write("")
    cols[1].button(continuing.go_on_label(state, more), on_click=continuing.go_on, args=(state, trainer, more, pace),
                   disabled=live is not None, key="train_continue_button", width="stretch",
                   help="Train the model on view further, from its current weights.")
    cols[2].write("")
    cols[2].button("Step: 1 epoch", on_click=continuing.more, args=(state, trainer, 1), disabled=live is not None,
                   key="train_step_button", width="stretch", help="Train the model on view for exactly one more epoch.")

if state.get("train_error"):
    st.error(ui.plain(state.train_error))  # it may quote a file's name
if live is not None:  # its live view, and nothing else
    model_views.watch(*live, state, trainer)
    st.stop()
if note := state.pop("train_note", None):
    st.info(note)  # what became of a training that ended, here or while on another page

model, shown_data = state.train_model, session.shown_dataset(state)
model_key = cache.model_key(model)
model_views.showing(model, state.train_source, shown_data)
quick = per_model.quick_scores(model_key, shown_data.token, model, shown_data)
model_views.model_figures(model, quick)
model_views.downloads(model)
model_views.model_charts(model, floor=quick["bce_floor"])

st.subheader("The held-out codes during training")
model_views.snapshot_views(state, model, model_key, shown_data)
