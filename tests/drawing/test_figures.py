"""The figure builders are pure functions: checked here without Streamlit."""

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.decomposition import PCA

from latent_lab.drawing import figures


@pytest.fixture
def codes():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 5)
    z = rng.normal(size=(50, 2)) + labels[:, None]
    return z, labels


def _history(epochs=4, latent_dim=2, with_val=True):
    h = {"epoch": list(range(1, epochs + 1)), "beta": [min(1.0, e / 2) for e in range(epochs)]}
    for split in ("train", "val") if with_val else ("train",):
        h[f"{split}_loss"] = [10.0 - e for e in range(epochs)]
        h[f"{split}_recon"] = [8.0 - e for e in range(epochs)]
        h[f"{split}_kl"] = [2.0] * epochs
        h[f"{split}_kl_per_dim"] = [[1.0] * latent_dim] * epochs
    return h


def test_axis_range_pads_each_axis_by_a_share_of_its_own_span():
    # Both arrays count: x runs over [-1, 1] and y over [0, 2]; each side gets 8 % of the span.
    (x0, x1), (y0, y1) = figures.axis_range(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[-1.0, 0.5]]))
    assert (x0, x1) == pytest.approx((-1.16, 1.16)) and (y0, y1) == pytest.approx((-0.16, 2.16))
    # Spans of 4 and 1, another pad; a third latent dimension is not drawn, so it does not count.
    (x0, x1), (y0, y1) = figures.axis_range(np.array([[0.0, 10.0, 99.0], [4.0, 11.0, -99.0]]), pad=0.25)
    assert (x0, x1) == pytest.approx((-1.0, 5.0)) and (y0, y1) == pytest.approx((9.75, 11.25))
    # A single point still gets a range, a tiny one around it.
    (x0, x1), _ = figures.axis_range(np.array([[3.0, 3.0]]))
    assert x0 < 3.0 < x1 and x1 - x0 < 1e-5


def test_latent_map_without_grid_and_with_paths(codes):
    z, labels = codes
    path = np.linspace([0, 0], [1, 1], 5)
    fig = figures.latent_map_figure(z, labels, paths=[("linear", path, "#000")],
                                    extra_points=("draws", z[:3]))
    names = [t.name for t in fig.data]
    assert {"linear", "draws"} <= set(names)
    assert fig.data[-1].x == tuple(z[:3, 0])


def test_tile_images_places_images_with_gaps():
    images = np.arange(3 * 64, dtype=float).reshape(3, 64) / 200
    canvas = figures.tile_images(images, n_cols=2)
    assert canvas.shape == (17, 17)
    np.testing.assert_array_equal(canvas[:8, :8], images[0].reshape(8, 8))
    np.testing.assert_array_equal(canvas[9:, :8], images[2].reshape(8, 8))
    assert np.isnan(canvas[8]).all() and np.isnan(canvas[9:, 9:]).all()


def test_image_grid_figure_labels_rows_and_columns():
    fig = figures.image_grid_figure(np.zeros((6, 64)), 3, row_labels=["a", "b"], col_labels=["x", "y", "z"])
    assert isinstance(fig.data[0], go.Heatmap)
    assert list(fig.layout.yaxis.ticktext) == ["a", "b"]
    assert list(fig.layout.xaxis.ticktext) == ["x", "y", "z"]


def test_image_grid_frames_every_tile():
    fig = figures.image_grid_figure(np.ones((5, 64)), 3)
    frames = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(frames) == 5
    # The second tile of the second row spans columns 9..16 and rows 9..16 of the canvas.
    assert (frames[4].x0, frames[4].x1, frames[4].y0, frames[4].y1) == (8.5, 16.5, 8.5, 16.5)
    assert all(f.line.color == figures.TILE_FRAME_COLOR for f in frames)


def test_loss_curves_have_train_and_held_out_for_each_term():
    fig = figures.loss_curves_figure(_history(), "vae")
    assert len(fig.data) == 6
    assert {t.name for t in fig.data} == {"train", "held-out"}
    # One layout title; each panel's quantity above it, left-aligned with it, in the title's
    # colour; no y-axis titles, which lie over the neighbouring panel on a phone.
    assert fig.layout.title.text
    headers = [a for a in fig.layout.annotations if a.yref == "paper"]
    assert [a.text.split("<br>")[0] for a in headers] == ["total", "reconstruction", "KL to the prior"]
    assert [a.x for a in headers] == [fig.layout[f"xaxis{s}"].domain[0] for s in ("", "2", "3")]
    assert all(a.xanchor == "left" and a.yanchor == "bottom" and a.y >= 1 for a in headers)
    assert not any(fig.layout[f"yaxis{s}"].title.text for s in ("", "2", "3"))
    no_val = figures.loss_curves_figure(_history(with_val=False), "ae")
    assert len(no_val.data) == 3


def test_beta_schedule_and_kl_per_dim():
    h = _history(latent_dim=3)
    assert list(figures.beta_schedule_figure(h).data[0].y) == h["beta"]
    fig = figures.kl_per_dim_figure(h)
    assert [t.name for t in fig.data] == ["z1", "z2", "z3"]
    assert "held-out" in fig.layout.title.text


def test_project_2d_keeps_2d_and_projects_higher_dims_on_the_last_snapshots_pca_axes():
    rng = np.random.default_rng(1)
    two = rng.normal(size=(3, 10, 2))
    np.testing.assert_array_equal(figures.project_2d(two), two)
    one = rng.normal(size=(2, 4, 1))
    np.testing.assert_array_equal(figures.project_2d(one), np.concatenate([one, np.zeros_like(one)], axis=-1))
    # 5-D codes whose main directions are mixtures of every coordinate, not the first two.
    high = (rng.normal(size=(3, 40, 5)) * [5.0, 3.0, 1.0, 0.5, 0.2]) @ rng.normal(size=(5, 5))
    out = figures.project_2d(high)
    assert out.shape == (3, 40, 2)
    pca = PCA(n_components=2).fit(high[-1])
    expected = np.stack([pca.transform(snapshot) for snapshot in high])  # (3, 40, 2)
    signs = np.sign(np.sum(out[-1] * expected[-1], axis=0))  # a PCA axis is defined up to its sign
    np.testing.assert_allclose(out, expected * signs, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(out, figures.project_2d(high.copy()))


def test_snapshot_and_animation_figures(codes):
    z, labels = codes
    snaps = np.stack([z * 0.1, z * 0.5, z])
    fig = figures.latent_snapshot_figure(snaps[1], labels, 7, (-1, 1), (-1, 1))
    assert "epoch 7" in fig.layout.title.text
    anim = figures.latent_animation_figure(snaps, [0, 5, 10], labels)
    assert [f.name for f in anim.frames] == ["0", "5", "10"]
    assert len(anim.layout.sliders[0].steps) == 3


def test_rate_distortion_highlights_the_chosen_beta():
    points = [{"beta": b, "warmup": w, "kl": 5.0 / (1 + b), "recon": 20 + b}
              for b in (0.0, 1.0, 8.0) for w in (False, True)]
    fig = figures.rate_distortion_figure(points, 8.0, True)
    star = fig.data[-1]
    assert star.name == "chosen β=8"
    assert star.x == (5.0 / 9,) and star.y == (28.0,)
    collapsed = figures.rate_distortion_figure([{"beta": 4.0, "warmup": False, "kl": 1e-7, "recon": 27.0}], 4.0, False)
    assert collapsed.data[-1].x == (figures.RATE_FLOOR,)
    assert len(fig.data) == 3


def _sweep_points():
    """The shape of the shipped sweep: β = 4 and 8 collapsed onto one point, 0.25..1 crowded."""
    kl = {0.0: 29.4, 0.25: 4.75, 0.5: 3.66, 1.0: 2.56, 2.0: 1.21, 4.0: 2e-6, 8.0: 3e-6}
    recon = {0.0: 20.7, 0.25: 21.0, 0.5: 21.3, 1.0: 22.1, 2.0: 24.4, 4.0: 27.2, 8.0: 27.2}
    return [{"beta": b, "warmup": w, "kl": kl[b] * (1.03 if w else 1), "recon": recon[b] + 0.1 * w}
            for b in kl for w in (False, True)]


def test_rate_distortion_axis_has_clean_decade_ticks():
    fig = figures.rate_distortion_figure(_sweep_points(), 1.0, False)
    assert list(fig.layout.xaxis.tickvals) == [0.01, 0.1, 1.0, 10.0]
    assert list(fig.layout.xaxis.ticktext) == ["≤ 0.01", "0.1", "1", "10"]
    lo, hi = fig.layout.xaxis.range
    assert 10 ** lo < figures.RATE_FLOOR and 10 ** hi > 29.4


@pytest.mark.parametrize("chosen", [(1.0, False), (8.0, False), (0.5, True)])
def test_rate_distortion_labels_each_beta_once_without_overlaps(chosen):
    fig = figures.rate_distortion_figure(_sweep_points(), *chosen)
    labels = [a for a in fig.layout.annotations if a.text.startswith("β")]
    # Collapsed models share a point, so they share one label; every other β has its own.
    assert sorted(a.text for a in labels) == sorted(
        ["β = 0", "β = 0.25", "β = 0.5", "β = 1", "β = 2", "β = 4, 8"])
    assert all(a.showarrow for a in labels)
    # No label is drawn as marker text any more (those piled up on top of each other).
    assert all("text" not in (t.mode or "") for t in fig.data)


def test_place_labels_keeps_crowded_labels_apart():
    anchors = [(200.0, 250.0), (205.0, 245.0), (210.0, 240.0), (212.0, 238.0), (40.0, 20.0)]
    texts = ["β = 0.25", "β = 0.5", "β = 1", "β = 2", "β = 4, 8"]
    markers = [(x, y, 6) for x, y in anchors] + [(210.0, 240.0, 12)]  # the chosen star
    offsets = figures.place_labels(anchors, texts, markers)
    boxes = [figures._box((x + dx, y + dy), t) for (x, y), (dx, dy), t
             in zip(anchors, offsets, texts, strict=True)]
    for i, a in enumerate(boxes):
        assert not any(figures._overlaps(a, b) for b in boxes[i + 1:]), (i, boxes)
        assert not any(figures._overlaps(a, (x - r, y - r, x + r, y + r)) for x, y, r in markers)
        assert a[0] >= 0 and a[1] >= 0  # inside the plot area
    assert offsets == figures.place_labels(anchors, texts, markers)  # deterministic


def test_latent_map_draws_each_digit_in_its_colour_with_the_rows_it_came_from(codes):
    z, labels = codes
    shuffled = np.random.default_rng(1).permutation(labels)  # classes interleaved, as in a real split
    fig = figures.latent_map_figure(z, shuffled)
    traces = {t.name: t for t in fig.data}
    assert list(traces) == [str(d) for d in range(10)]
    for digit in range(10):
        rows = np.flatnonzero(shuffled == digit)
        trace = traces[str(digit)]
        np.testing.assert_array_equal(trace.x, z[rows, 0])
        np.testing.assert_array_equal(trace.y, z[rows, 1])
        assert list(trace.customdata) == rows.tolist()  # a picked dot names its image
        assert trace.marker.color == figures.DIGIT_COLORS[digit]
    assert (tuple(fig.layout.xaxis.range), tuple(fig.layout.yaxis.range)) == figures.axis_range(z)




def test_a_1d_code_is_drawn_as_a_strip_with_one_row_per_digit():
    snapshots = np.random.default_rng(0).normal(size=(3, 50, 1)) * 40  # wide codes
    labels = np.arange(50) % 10
    strip = figures.strip_1d(snapshots, labels)
    assert strip.shape == (3, 50, 2)
    np.testing.assert_array_equal(strip[..., 0], snapshots[..., 0])
    assert np.all(np.abs(strip[..., 1] - labels) <= 0.3)  # each digit keeps its own row
    fig = figures.latent_snapshot_figure(strip[0], labels, 5, (-100, 100), (-1, 10), y_title="digit")
    assert fig.layout.yaxis.title.text == "digit" and list(fig.layout.yaxis.tickvals) == list(range(10))


def test_codes_on_their_main_axes_are_titled_pc_1_and_pc_2_and_are_not_a_strip(codes):
    z, labels = codes
    fig = figures.latent_snapshot_figure(z, labels, 5, (-1, 1), (-1, 1), y_title="PC 2")
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("PC 1", "PC 2")
    assert fig.layout.yaxis.tickvals is None  # no strip chart's rows
    anim = figures.latent_animation_figure(np.stack([z, z]), [0, 1], labels, y_title="PC 2")
    assert (anim.layout.xaxis.title.text, anim.layout.yaxis.title.text) == ("PC 1", "PC 2")
    assert anim.layout.yaxis.tickvals is None
    plain = figures.latent_snapshot_figure(z, labels, 5, (-1, 1), (-1, 1))
    assert (plain.layout.xaxis.title.text, plain.layout.yaxis.title.text) == ("z₁", "z₂")


def test_project_codes_draws_any_latent_size_on_a_map_with_its_paths_alike():
    rng = np.random.default_rng(2)
    two, path = rng.normal(size=(30, 2)), rng.normal(size=(4, 2))
    codes, (projected,), titles = figures.project_codes(two, path)
    np.testing.assert_array_equal(codes, two)
    np.testing.assert_array_equal(projected, path)
    assert titles == ("z₁", "z₂")
    one = rng.normal(size=(30, 1))
    codes, (projected,), titles = figures.project_codes(one, one[:3])
    np.testing.assert_array_equal(codes[:, 0], one[:, 0])
    np.testing.assert_array_equal(codes[:, 1], 0)
    np.testing.assert_array_equal(projected, codes[:3])
    high = rng.normal(size=(30, 6)) * [4.0, 1.0, 3.0, 0.1, 0.1, 0.1]
    codes, (projected,), titles = figures.project_codes(high, high[[4, 9]])
    assert titles == ("PC 1", "PC 2") and codes.shape == (30, 2)
    np.testing.assert_allclose(projected, codes[[4, 9]])  # a path's point sits on its own code
    np.testing.assert_allclose(codes, figures.project_2d(high[None])[0])


# A β = 1 whose label would take the spot where the −ELBO = 38 line enters the plot.
_CROWDED = [{"beta": b, "warmup": False, "kl": kl, "recon": recon}
            for b, kl, recon in ((0.0, 30.0, 20.0), (1.0, 12.33, 24.51), (4.0, 1e-6, 27.0))]


@pytest.mark.parametrize(("points", "levels"), [(_sweep_points(), (25.0, 30.0, 40.0, 50.0)),
                                                (_CROWDED, (38.0,))], ids=["sweep", "crowded"])
def test_iso_elbo_lines_carry_their_values_clear_of_the_beta_labels(points, levels):
    fig = figures.rate_distortion_figure(points, 1.0, False, iso_elbo=levels)
    lines = [t for t in fig.data if t.legendgroup == "iso"]
    values = [a for a in fig.layout.annotations if a.text in {f"{v:g}" for v in levels}]
    assert [a.text for a in values] == [f"{v:g}" for v in levels]
    (x_lo, x_hi), (y_lo, y_hi) = fig.layout.xaxis.range, fig.layout.yaxis.range
    w, h = figures._RD_PLOT_PX

    def to_px(log_x, y):
        return (log_x - x_lo) / (x_hi - x_lo) * w, (1 - (y - y_lo) / (y_hi - y_lo)) * h

    betas = [a for a in fig.layout.annotations if a.text.startswith("β")]
    beta_boxes = [figures._box(np.add(to_px(a.x, a.y), (a.ax, a.ay)), a.text) for a in betas]
    for line, label in zip(lines, values, strict=True):
        # At the line's upper-left end, where it enters the plot, on the line's level.
        assert (label.x, label.y) == pytest.approx((np.log10(line.x[0]), line.y[0]))
        assert np.allclose(np.add(line.x, line.y), float(label.text))
        px, py = to_px(label.x, label.y)
        box = (px, py, px + 8 + figures._LABEL_CHAR_PX * len(label.text), py + figures._LABEL_HEIGHT_PX)
        assert not any(figures._overlaps(box, b) for b in beta_boxes), label.text


def test_paths_and_posterior_take_colours_no_digit_has():
    marks = [*figures.PATH_COLORS.values(), figures.POSTERIOR_COLOR]
    digits = {c.lower() for c in figures.DIGIT_COLORS}
    assert not digits & {c.lower() for c in marks}
    assert len(set(figures.PATH_COLORS.values())) == len(figures.PATH_COLORS)
