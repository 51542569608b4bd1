import numpy as np
import streamlit as st

from latent_lab import explore, figures, state, ui
from latent_lab.data import digits, one_per_class
from latent_lab.settings import INTERP_MODES
from vae_core import lerp, slerp

ui.page(
    "Interpolation",
    "Pick two held-out digits. Both models encode them to two points in latent space, and we "
    "decode the points along a path between them: a straight line (linear) or an arc that "
    "keeps the code's length typical of the prior (spherical). If the latent space is smooth, "
    "one digit morphs into the other through plausible shapes; where the path crosses a gap, "
    "the autoencoder decodes smudges. The paths are drawn on each model's latent map.",
)

explored = explore.explored_models()
split = digits()[0]
n_test = len(split.y_test)


def _reroll() -> None:
    state.put("interp_seed", state.get("interp_seed") + 1)


controls = st.columns([2, 1, 1, 2])
mode = state.widget(controls[0].radio, "Choose the two digits", INTERP_MODES, key="interp_mode",
                    horizontal=True)
if mode == "by class":
    class_a = state.widget(controls[1].selectbox, "From digit", range(10), key="interp_class_a")
    class_b = state.widget(controls[2].selectbox, "To digit", range(10), key="interp_class_b")
    first = one_per_class(split.y_test)
    a, b = first[class_a], first[class_b]
elif mode == "by index":
    a = state.widget(controls[1].number_input, "From held-out #", 0, n_test - 1, key="interp_index_a")
    b = state.widget(controls[2].number_input, "To held-out #", 0, n_test - 1, key="interp_index_b")
else:
    controls[1].button("New random pair", on_click=_reroll, key="interp_reroll_button")
    rng = np.random.default_rng(state.get("interp_seed"))
    a, b = rng.choice(n_test, size=2, replace=False)
    controls[2].caption(f"pair #{state.get('interp_seed')}")
steps = state.widget(controls[3].slider, "Steps", 3, 15, key="interp_steps")

pair = split.X_test[[a, b]]  # (2, 64)
st.markdown(f"From held-out digit #{a} (a **{split.y_test[a]}**) to #{b} "
            f"(a **{split.y_test[b]}**).")

rows, labels, paths = [], [], {}
for name, model in zip(explored.names, (explored.ae, explored.vae), strict=True):
    z0, z1 = model.encode(pair)
    for kind, path_fn, color in (("linear", lerp, "#111111"), ("spherical", slerp, "#d62728")):
        path = path_fn(z0, z1, steps)  # (steps, latent)
        rows.append(model.decode(path))
        labels.append(f"{name} {kind}")
        paths.setdefault(name, []).append((kind, path, color))
ui.plot(figures.image_grid_figure(np.vstack(rows), steps, row_labels=labels,
                                  col_labels=[f"{t:.2f}" for t in np.linspace(0, 1, steps)]),
        key="interp_strips_chart")

_, X_all, y_all = digits()
columns = st.columns(2)
for column, kind, name in zip(columns, ("ae", "vae"), explored.names, strict=True):
    codes = explored.model(kind).encode(X_all)
    x_range, y_range = figures.axis_range(codes, *(p for _, p, _ in paths[name]))
    with column:
        ui.plot(figures.latent_map_figure(codes, y_all, title=f"{name} latent space", grid_n=0,
                                          x_range=x_range, y_range=y_range, paths=paths[name]),
                key=f"interp_{kind}_map_chart")
