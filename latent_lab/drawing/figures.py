"""Plotly figure builders for the dashboard.

Every function here is pure: arrays in, a ``plotly.graph_objects.Figure`` out. Nothing imports
Streamlit, so the builders are unit-tested on their own and the pages only call
``st.plotly_chart``. Arrays that end up in ``customdata`` are converted to Python lists because
NumPy arrays come back from a chart selection as dicts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from latent_lab.measures.collapse import DIM_COLLAPSE_NATS

# One colour per digit class; labels colour the maps but never take part in training.
DIGIT_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
# What is drawn over the digits' dots (interpolation paths, a posterior's cloud) takes colours
# outside DIGIT_COLORS, so no mark reads as a digit class: black, and a magenta far from all ten.
PATH_COLORS = {"linear": "#111111", "spherical": "#ff00ff"}
POSTERIOR_COLOR = "#ff00ff"
# DIGIT_COLORS as a colour scale over the values 0..9, one flat step per digit.
DIGIT_SCALE = [[edge, color] for d, color in enumerate(DIGIT_COLORS)
               for edge in (d / 10, (d + 1) / 10)]
# Ink dark on paper, like the digits were written.
INK_SCALE = [[0.0, "#ffffff"], [1.0, "#111111"]]
TILE_FRAME_COLOR = "#b0b0b0"
# The rate-distortion plane draws rates below this floor at the floor (log axis).
RATE_FLOOR = 0.01
# A map's axis titles: the code's own two dimensions, or the two main (PCA) axes of a longer code.
Z_TITLES = ("z₁", "z₂")
PC_TITLES = ("PC 1", "PC 2")


def axis_range(*codes: np.ndarray, pad: float = 0.08) -> tuple[tuple[float, float], ...]:
    """Bounding box of 2-D code arrays, each axis widened by ``pad`` of its span."""
    stacked = np.concatenate([np.asarray(c, dtype=float)[:, :2] for c in codes])  # (n, 2)
    lo, hi = stacked.min(axis=0), stacked.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad * span, hi + pad * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def latent_map_figure(
    codes: np.ndarray,
    labels: np.ndarray,
    *,
    title: str = "",
    x_range: Sequence[float] | None = None,
    y_range: Sequence[float] | None = None,
    paths: Sequence[tuple[str, np.ndarray, str]] = (),
    extra_points: tuple[str, np.ndarray] | None = None,
    height: int = 520,
    class_names: Sequence[str] | None = None,
    axis_titles: tuple[str, str] = Z_TITLES,
) -> go.Figure:
    """Scatter of 2-D codes coloured by digit class, with paths or other points on top.

    (The latent page's clickable maps are the latent explorer component, not this figure.)

    Parameters
    ----------
    codes : array of shape (n_samples, >=2)
        Latent codes; only the first two dimensions are drawn.
    labels : array of shape (n_samples,)
        Digit classes, used for colour only.
    paths : sequence of (name, array of shape (n_steps, 2), colour)
        Interpolation paths drawn as lines with markers.
    extra_points : (name, array of shape (m, 2)), optional
        Further latent points, such as samples, drawn as black crosses.
    class_names : sequence of str, optional
        The legend's name of each colour index in ``labels`` (an upload's own classes); the
        indices themselves by default (the digits).
    axis_titles : (str, str)
        ``Z_TITLES``, or ``PC_TITLES`` for codes drawn on their main axes (:func:`project_codes`).
    """
    codes = np.asarray(codes, dtype=float)
    labels = np.asarray(labels)
    if x_range is None or y_range is None:
        x_range, y_range = axis_range(codes)
    fig = go.Figure()
    point_opacity = 0.8
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        if idx.size == 0:
            continue
        name = str(digit) if class_names is None else str(class_names[digit])
        fig.add_trace(go.Scatter(
            x=codes[idx, 0], y=codes[idx, 1], mode="markers",
            name=name, legendgroup=name,
            marker={"size": 5, "color": DIGIT_COLORS[digit], "opacity": point_opacity},
            customdata=idx.tolist(),
            hovertemplate=f"{name} (#%{{customdata}})<br>({axis_titles[0]}, {axis_titles[1]}) = "
                          "(%{x:.2f}, %{y:.2f})<extra></extra>",
        ))
    for name, path, color in paths:
        path = np.asarray(path, dtype=float)
        fig.add_trace(go.Scatter(
            x=path[:, 0].tolist(), y=path[:, 1].tolist(), mode="lines+markers", name=name,
            line={"color": color, "width": 3}, marker={"size": 7, "color": color},
            hovertemplate=name + " step %{pointNumber}<extra></extra>",
        ))
    if extra_points is not None:
        name, pts = extra_points
        pts = np.asarray(pts, dtype=float)
        fig.add_trace(go.Scatter(
            x=pts[:, 0].tolist(), y=pts[:, 1].tolist(), mode="markers", name=name,
            marker={"symbol": "x-thin", "size": 9, "color": "#000000",
                    "line": {"width": 2, "color": "#000000"}},
            hovertemplate=name + " z = (%{x:.2f}, %{y:.2f})<extra></extra>",
        ))
    fig.update_layout(
        title=title, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        # Below the map, so the map gets the column's full width.
        legend={"title": "digit", "itemsizing": "constant", "orientation": "h", "y": -0.15},
        dragmode="zoom", hovermode="closest",
        # A click picks the nearest point within this many pixels: more than a grid cell.
        hoverdistance=20,
        plot_bgcolor="#fafafa", uirevision=title,
    )
    fig.update_xaxes(range=list(x_range), title=axis_titles[0], zeroline=False)
    fig.update_yaxes(range=list(y_range), title=axis_titles[1], zeroline=False)
    return fig


def image_side(images: np.ndarray) -> int:
    """The side of square images given as rows of pixels: (n, side²) -> side."""
    n_pixels = np.asarray(images).shape[-1]
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(f"images of {n_pixels} pixels are not square")
    return side


def tile_images(images: np.ndarray, n_cols: int, gap: int = 1, side: int | None = None) -> np.ndarray:
    """Lay ``(n, side²)`` square images out in rows of ``n_cols``, separated by NaN gaps."""
    side = side or image_side(images)
    images = np.asarray(images, dtype=float).reshape(-1, side, side)
    n = len(images)
    n_rows = max(1, -(-n // n_cols))
    cell = side + gap
    canvas = np.full((n_rows * cell - gap, n_cols * cell - gap), np.nan)
    for i, img in enumerate(images):
        r, c = divmod(i, n_cols)
        canvas[r * cell:r * cell + side, c * cell:c * cell + side] = img
    return canvas


def image_grid_figure(
    images: np.ndarray,
    n_cols: int,
    *,
    title: str = "",
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    cell_px: int = 52,
) -> go.Figure:
    """8×8 images tiled in a grid and drawn as one heatmap, ink dark on white.

    Parameters
    ----------
    images : array of shape (n_images, side²)
        Pixel values in [0, 1], row-major square images (8×8 for the digits).
    n_cols : int
        Images per row.
    row_labels, col_labels : sequence of str, optional
        Text on the left of each row / under each column.
    """
    side = image_side(images)
    images = np.asarray(images, dtype=float).reshape(-1, side * side)
    n_cols = max(1, min(n_cols, len(images)))
    canvas = tile_images(images, n_cols, side=side)
    n_rows = (canvas.shape[0] + 1) // (side + 1)
    fig = go.Figure(go.Heatmap(
        z=canvas.tolist(), colorscale=INK_SCALE, zmin=0, zmax=1, showscale=False,
        hovertemplate="%{z:.2f}<extra></extra>", xgap=0, ygap=0,
    ))
    cell = side + 1
    # A thin frame around every tile: the paper-white pixels would merge into the page otherwise.
    # All frames are set at once: Plotly's add_shape copies and re-validates every shape so far on
    # each call, which made this figure cost seconds for a gallery of 64 images.
    frames = []
    for i in range(len(images)):
        r, c = divmod(i, n_cols)
        frames.append({"type": "rect", "x0": c * cell - 0.5, "x1": c * cell + side - 0.5,
                       "y0": r * cell - 0.5, "y1": r * cell + side - 0.5, "layer": "above",
                       "line": {"color": TILE_FRAME_COLOR, "width": 1}})
    left = 12 + 7 * max(len(label) for label in row_labels) if row_labels else 10
    bottom = 30 if col_labels else 10
    top = 40 if title else 10
    fig.update_layout(
        title=title, height=n_rows * cell_px + top + bottom, plot_bgcolor="#ffffff",
        margin={"l": left, "r": 10, "t": top, "b": bottom}, shapes=frames,
    )
    fig.update_yaxes(
        autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False,
        tickvals=[r * cell + (side - 1) / 2 for r in range(n_rows)] if row_labels else [],
        ticktext=list(row_labels) if row_labels else None,
    )
    fig.update_xaxes(
        showgrid=False, zeroline=False, constrain="domain",
        tickvals=[c * cell + (side - 1) / 2 for c in range(n_cols)] if col_labels else [],
        ticktext=list(col_labels) if col_labels else None,
    )
    return fig


def _history_series(history: dict, key: str) -> list:
    return [np.nan if v is None else v for v in history.get(key, [])]


def loss_curves_figure(history: dict, kind: str, floor: float | None = None) -> go.Figure:
    """Total, reconstruction and KL per epoch, train solid and held-out dashed.

    One title for the figure, and each panel's quantity written above it, left-aligned, on two
    short lines in the title's colour: y-axis titles sit between the panels, where on a phone
    (a panel about 100 px wide) they lie over the neighbouring panel. ``floor`` (a VAE's BCE
    floor: the data's own entropy) is drawn on the reconstruction panel.
    """
    epochs = history["epoch"]
    if kind == "ae":
        headers = ("total<br>MSE per pixel", "reconstruction<br>MSE per pixel", "KL<br>none (no prior)")
        title = "Loss per epoch: reconstruction only (no KL)"
    else:
        headers = ("total<br>BCE + KL, nats", "reconstruction<br>BCE, nats", "KL to the prior<br>nats")
        title = "Loss per epoch: total = reconstruction + KL"
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08)
    parts = ("loss", "recon", "kl")
    for col, (part, header) in enumerate(zip(parts, headers, strict=True), start=1):
        for split, dash in (("train", "solid"), ("val", "dash")):
            values = _history_series(history, f"{split}_{part}")
            if not values:
                continue
            fig.add_trace(go.Scatter(
                x=list(epochs), y=values, mode="lines",
                name="train" if split == "train" else "held-out",
                legendgroup=split, showlegend=col == 1,
                line={"dash": dash, "color": "#1f77b4" if split == "train" else "#d62728"},
            ), row=1, col=col)
        fig.update_xaxes(title="epoch", row=1, col=col)
        x_domain = fig.layout[f"xaxis{'' if col == 1 else col}"].domain
        fig.add_annotation(text=header, x=x_domain[0], y=1.0, xref="paper", yref="paper",
                           xanchor="left", yanchor="bottom", align="left", showarrow=False,
                           font={"size": 12, "color": "#31333f"})
    if floor is not None and kind == "vae":
        fig.add_hline(y=floor, line={"dash": "dot", "color": "#2ca02c"}, row=1, col=2,
                      annotation_text=f"BCE floor {floor:.2f}",
                      annotation_position="top right", annotation_font={"size": 10, "color": "#2ca02c"})
    fig.update_layout(title=title, height=360, margin={"l": 10, "r": 10, "t": 80, "b": 10},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def beta_schedule_figure(history: dict) -> go.Figure:
    """The effective β of each epoch (a ramp when KL warm-up is on)."""
    fig = go.Figure(go.Scatter(
        x=list(history["epoch"]), y=list(history["beta"]), mode="lines+markers",
        line={"shape": "hv", "color": "#9467bd"}, marker={"size": 4}, name="β",
    ))
    fig.update_layout(title="β schedule (effective β per epoch)", height=300, xaxis_title="epoch",
                      yaxis_title="effective β", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def kl_per_dim_figure(history: dict) -> go.Figure:
    """Held-out (or training) KL of each latent dimension per epoch.

    A dimension whose KL stays near zero carries no information about the input: the posterior
    has collapsed onto the prior along it.
    """
    per_dim = history.get("val_kl_per_dim") or history.get("train_kl_per_dim") or []
    which = "held-out" if history.get("val_kl_per_dim") else "train"
    per_dim = np.asarray(per_dim, dtype=float)  # (epochs, latent_dim)
    fig = go.Figure()
    if per_dim.ndim == 2:
        for d in range(per_dim.shape[1]):
            fig.add_trace(go.Scatter(x=list(history["epoch"]), y=per_dim[:, d].tolist(),
                                     mode="lines", name=f"z{d + 1}"))
    fig.update_layout(title=f"KL per latent dimension ({which}, nats)", height=300,
                      xaxis_title="epoch", yaxis_title="KL",
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def project_2d(snapshots: np.ndarray) -> np.ndarray:
    """Codes of every snapshot in 2-D: as they are when 2-D, else on the last snapshot's PCA axes.

    One projection for all snapshots keeps the frames comparable.
    """
    snapshots = np.asarray(snapshots, dtype=float)  # (n_snap, n_points, latent_dim)
    if snapshots.shape[-1] <= 2:
        if snapshots.shape[-1] == 1:
            return np.concatenate([snapshots, np.zeros_like(snapshots)], axis=-1)
        return snapshots
    mean, axes = main_axes(snapshots[-1])
    return (snapshots - mean) @ axes  # (n_snap, n_points, 2)


def main_axes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean of ``codes`` (n_points, latent_dim) and their two main (PCA) axes, (latent_dim, 2).

    Each axis's sign is fixed (its largest entry positive), so the projection is the same on every run.
    """
    codes = np.asarray(codes, dtype=float)
    mean = codes.mean(axis=0)
    _, _, vt = np.linalg.svd(codes - mean, full_matrices=False)
    axes = vt[:2].T  # (latent_dim, 2)
    signs = np.sign(axes[np.abs(axes).argmax(axis=0), [0, 1]])
    return mean, axes * np.where(signs == 0, 1.0, signs)


def project_codes(codes: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, list, tuple[str, str]]:
    """Codes of any size as points of a 2-D map, the ``others`` (paths, draws) on the same axes.

    2-D codes as they are; longer codes on their own two main (PCA) axes, which the axis titles
    (``PC_TITLES``) then say; a 1-D code along the first axis. Returns the projected codes, the
    projected others and the axis titles.
    """
    codes = np.asarray(codes, dtype=float)  # (n_points, latent_dim)
    others = [np.asarray(o, dtype=float) for o in others]
    dim = codes.shape[1]
    if dim == 2:
        return codes, others, Z_TITLES
    if dim == 1:
        pad = lambda z: np.concatenate([z, np.zeros_like(z)], axis=1)  # noqa: E731
        return pad(codes), [pad(o) for o in others], (Z_TITLES[0], "")
    mean, axes = main_axes(codes)
    return (codes - mean) @ axes, [(o - mean) @ axes for o in others], PC_TITLES


def strip_1d(snapshots: np.ndarray, labels: np.ndarray, spread: float = 0.3) -> np.ndarray:
    """1-D codes drawn as a strip chart: z₁ across, one row per digit (with a fixed jitter).

    Returns an array like :func:`project_2d`'s: (n_snap, n_points, 2).
    """
    snapshots = np.asarray(snapshots, dtype=float)[..., :1]  # (n_snap, n_points, 1)
    labels = np.asarray(labels, dtype=float)
    jitter = np.random.default_rng(0).uniform(-spread, spread, size=labels.shape)  # the same every run
    rows = np.broadcast_to(labels + jitter, snapshots.shape[:2])[..., None]
    return np.concatenate([snapshots, rows], axis=-1)


def latent_snapshot_figure(codes: np.ndarray, labels: np.ndarray, epoch: int,
                           x_range: Sequence[float], y_range: Sequence[float],
                           y_title: str = "z₂", x_title: str | None = None) -> go.Figure:
    """One training snapshot of the held-out codes, on fixed axes so snapshots compare.

    ``x_title`` defaults to "PC 1" when ``y_title`` is "PC 2" (codes on their main axes), else "z₁".
    """
    codes = np.asarray(codes, dtype=float)
    labels = np.asarray(labels)
    fig = go.Figure()
    for digit in range(10):
        idx = labels == digit
        fig.add_trace(go.Scatter(x=codes[idx, 0], y=codes[idx, 1],
                                 mode="markers", name=str(digit),
                                 marker={"size": 5, "color": DIGIT_COLORS[digit]}))
    fig.update_layout(title=f"Latent codes after epoch {epoch}", height=420,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend_title="digit")
    fig.update_xaxes(range=list(x_range), title=_x_title(x_title, y_title))
    fig.update_yaxes(range=list(y_range), title=y_title)
    if _is_strip(y_title):  # a strip chart: one row per digit
        fig.update_yaxes(tickvals=list(range(10)), zeroline=False)
    return fig


def _x_title(x_title: str | None, y_title: str) -> str:
    return x_title if x_title is not None else PC_TITLES[0] if y_title == PC_TITLES[1] else Z_TITLES[0]


def _is_strip(y_title: str) -> bool:
    """A map whose y axis is no code axis: a 1-D code drawn as a strip chart, one row per digit."""
    return y_title not in (Z_TITLES[1], PC_TITLES[1])


def latent_animation_figure(snapshots: np.ndarray, epochs: Sequence[int],
                            labels: np.ndarray, y_title: str = "z₂", x_title: str | None = None) -> go.Figure:
    """The held-out codes moving through training, as a Plotly animation with play/pause.

    ``snapshots`` already in 2-D (:func:`project_2d` or :func:`strip_1d`) are drawn as they are.
    """
    snapshots = project_2d(snapshots)
    labels = np.asarray(labels)
    x_range, y_range = axis_range(*snapshots)
    # One trace per frame, coloured point by point through a stepped colour scale, keeps the
    # figure small and quick to build; the legend comes from empty per-digit traces that the
    # frames leave alone.
    marker = {"size": 5, "color": labels.astype(float), "colorscale": DIGIT_SCALE,
              "cmin": -0.5, "cmax": 9.5, "showscale": False}

    def points(codes):
        return go.Scatter(x=codes[:, 0], y=codes[:, 1], mode="markers", showlegend=False,
                          marker=marker, hoverinfo="skip")

    legend = [go.Scatter(x=[None], y=[None], mode="markers", name=str(d),
                         marker={"size": 8, "color": DIGIT_COLORS[d]})
              for d in range(10) if np.any(labels == d)]
    frames = [go.Frame(data=[points(s)], traces=[0], name=str(int(e)))
              for s, e in zip(snapshots, epochs, strict=True)]
    fig = go.Figure(data=[points(snapshots[0]), *legend], frames=frames)
    fig.update_layout(
        title="Latent codes during training (press play)", height=480,
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend_title="digit",
        updatemenus=[{
            "type": "buttons", "showactive": False, "x": 0.0, "y": -0.12, "xanchor": "left",
            "buttons": [
                {"label": "▶ play", "method": "animate",
                 "args": [None, {"frame": {"duration": 250, "redraw": False},
                                 "transition": {"duration": 150}, "fromcurrent": True}]},
                {"label": "❚❚ pause", "method": "animate",
                 "args": [[None], {"frame": {"duration": 0, "redraw": False},
                                   "mode": "immediate", "transition": {"duration": 0}}]},
            ],
        }],
        sliders=[{
            "active": 0, "x": 0.2, "len": 0.8, "y": -0.05,
            "currentvalue": {"prefix": "epoch "},
            "steps": [{"label": str(int(e)), "method": "animate",
                       "args": [[str(int(e))], {"frame": {"duration": 0, "redraw": False},
                                                "mode": "immediate"}]} for e in epochs],
        }],
    )
    fig.update_xaxes(range=list(x_range), title=_x_title(x_title, y_title))
    fig.update_yaxes(range=list(y_range), title=y_title)
    if _is_strip(y_title):  # a strip chart: one row per digit
        fig.update_yaxes(tickvals=list(range(10)), zeroline=False)
    return fig


# Label placement on the rate-distortion plane, in pixels of a plot area this small (the chart
# sits in half of a wide page; a wider chart only spreads the points further apart).
_RD_PLOT_PX = (360, 300)
_LABEL_CHAR_PX, _LABEL_HEIGHT_PX = 7.5, 16
# Offsets tried for a label, nearest first, up-right first: the rate-distortion curve is convex,
# so the empty side is above it.
_LABEL_OFFSETS = [
    (round(r * np.cos(np.radians(a))), round(-r * np.sin(np.radians(a))))
    for r in (34, 52, 74, 100)
    for a in (45, 90, 0, 135, -45, 180, -90, -135, 67, 22, 112, 157)
]


def _box(center, text, pad=2.0):
    w = len(text) * _LABEL_CHAR_PX / 2 + pad
    h = _LABEL_HEIGHT_PX / 2 + pad
    return center[0] - w, center[1] - h, center[0] + w, center[1] + h


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(anchors_px: Sequence[tuple[float, float]], texts: Sequence[str],
                 obstacles_px: Sequence[tuple[float, float, float]] = (),
                 size_px: tuple[float, float] = _RD_PLOT_PX,
                 boxes_px: Sequence[tuple[float, float, float, float]] = ()) -> list[tuple[int, int]]:
    """Pixel offsets (dx, dy; y down) that keep every label off the others and off the markers.

    Greedy and deterministic: each label in turn takes the first offset from ``_LABEL_OFFSETS``
    whose box overlaps no label placed before it, no obstacle (a marker or a piece of line:
    ``(x, y, radius)``), no fixed text box ``(x0, y0, x1, y1)``, and stays inside the plot area
    of ``size_px``; if none fits, the one overlapping least.
    """
    placed, offsets = [], []
    marks = [(x - r, y - r, x + r, y + r) for x, y, r in obstacles_px] + list(boxes_px)
    for (x, y), text in zip(anchors_px, texts, strict=True):
        best, best_cost = None, None
        for dx, dy in _LABEL_OFFSETS:
            box = _box((x + dx, y + dy), text)
            outside = box[0] < 0 or box[1] < 0 or box[2] > size_px[0] or box[3] > size_px[1]
            cost = (sum(_overlaps(box, b) for b in placed) * 10
                    + sum(_overlaps(box, m) for m in marks) * 3 + outside)
            if best_cost is None or cost < best_cost:
                best, best_cost = (dx, dy), cost
            if cost == 0:
                break
        offsets.append(best)
        placed.append(_box((x + best[0], y + best[1]), text))
    return offsets


def decade_ticks(lo: float, hi: float, floor: float | None = None) -> tuple[list, list]:
    """Tick values and texts at the powers of ten in ``[lo, hi]`` (``floor`` reads "≤ floor")."""
    values = [10.0 ** e for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
              if lo <= 10.0 ** e <= hi]
    texts = [f"≤ {v:g}" if floor is not None and np.isclose(v, floor) else f"{v:g}"
             for v in values]
    return values, texts


def rate_distortion_figure(points: Sequence[dict], chosen_beta: float, chosen_warmup: bool,
                           collapse_nats: float = DIM_COLLAPSE_NATS, floor: float | None = None,
                           iso_elbo: Sequence[float] = ()) -> go.Figure:
    """Held-out KL (rate) against reconstruction (distortion) across the β sweep.

    ``points`` holds dicts with keys ``beta``, ``warmup`` (bool), ``kl`` and ``recon``; rates
    below ``collapse_nats`` are shaded as collapsed (by default the collapse rule's per-dimension
    bar: a code whose total KL is below it has every dimension below it, so it is collapsed).
    Each β is labelled once, next to its point on the chosen warm-up setting's curve; βs whose
    points coincide share a label ("β = 4, 8"), and labels are placed so that none overlaps
    another or a marker. ``floor`` draws the lowest
    distortion the data allows (its own entropy); each value of ``iso_elbo`` draws the line where
    rate + distortion (the negative ELBO) equals it.
    """
    # The rates span six decades (a collapsed model keeps ~1e-6 nats, β = 0 dozens): a log axis
    # with collapsed rates floored at RATE_FLOOR keeps every model visible.
    def rate(p):
        return max(p["kl"], RATE_FLOOR)

    fig = go.Figure()
    for warm, color, name in ((False, "#1f77b4", "no warm-up"), (True, "#ff7f0e", "KL warm-up")):
        pts = sorted((p for p in points if bool(p["warmup"]) == warm), key=lambda p: p["beta"])
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[rate(p) for p in pts], y=[p["recon"] for p in pts], mode="lines+markers",
            name=name, line={"color": color}, marker={"size": 8, "color": color},
            text=[f"β = {p['beta']:g}" for p in pts], customdata=[[p["kl"]] for p in pts],
            hovertemplate="%{text}<br>KL %{customdata[0]:.3g} nats<br>BCE %{y:.2f} nats"
                          "<extra>" + name + "</extra>",
        ))
    chosen = [p for p in points if p["beta"] == chosen_beta and bool(p["warmup"]) == chosen_warmup]
    if chosen:
        p = chosen[0]
        fig.add_trace(go.Scatter(
            x=[rate(p)], y=[p["recon"]], mode="markers", name=f"chosen β={p['beta']:g}",
            marker={"symbol": "star", "size": 22, "color": "#d62728",
                    "line": {"width": 1, "color": "#000000"}},
            hoverinfo="skip",
        ))

    # Axes: whole decades on x, the data's span (padded) on y.
    rates = [rate(p) for p in points] or [RATE_FLOOR, 1.0]
    recons = [p["recon"] for p in points] or [0.0, 1.0]
    if floor is not None:
        recons = [*recons, floor]
    log_lo, log_hi = np.log10(RATE_FLOOR / 2), np.log10(max(rates) * 2)
    y_pad = 0.08 * max(max(recons) - min(recons), 1e-6)
    y_lo, y_hi = min(recons) - y_pad, max(recons) + y_pad

    def to_px(x, y):
        u = (np.log10(x) - log_lo) / (log_hi - log_lo)
        v = (y - y_lo) / (y_hi - y_lo)
        return float(u * _RD_PLOT_PX[0]), float((1 - v) * _RD_PLOT_PX[1])

    # One label per β at its point on the chosen curve; coinciding points share one label.
    on_curve = sorted((p for p in points if bool(p["warmup"]) == chosen_warmup),
                      key=lambda p: p["beta"]) or sorted(points, key=lambda p: p["beta"])
    def distance_px(p, q):
        return float(np.hypot(*np.subtract(to_px(rate(p), p["recon"]), to_px(rate(q), q["recon"]))))

    groups: list[list[dict]] = []
    for p in on_curve:
        near = next((g for g in groups if distance_px(g[0], p) < 4), None)
        if near is None:
            groups.append([p])
        else:
            near.append(p)
    texts = ["β = " + ", ".join(f"{p['beta']:g}" for p in g) for g in groups]
    anchors = [to_px(rate(g[0]), g[0]["recon"]) for g in groups]
    obstacles = [(*to_px(rate(p), p["recon"]), 6) for p in points]
    for trace in fig.data[:2]:  # the curves: a label must not sit on a line either
        line = np.array([to_px(x, y) for x, y in zip(trace.x, trace.y, strict=True)])  # (n, 2)
        for a, b in itertools.pairwise(line):
            steps = max(1, int(np.hypot(*(b - a)) // 5))
            obstacles += [(*(a + (b - a) * t), 2) for t in np.linspace(0, 1, steps + 1)]
    if chosen:
        obstacles.append((*to_px(rate(chosen[0]), chosen[0]["recon"]), 12))
    # "collapsed", written in the bottom right corner of the shaded band.
    band_right = to_px(collapse_nats, y_lo)[0]
    band_text = (band_right - 70, _RD_PLOT_PX[1] - 22, band_right, _RD_PLOT_PX[1])
    # Each iso-ELBO line carries its value where it enters the plot (its upper-left end: the
    # line falls to the right), written just right of and below that point.
    iso_lines = []
    for level in iso_elbo:
        xs = np.logspace(log_lo, log_hi, 60)
        ys = level - xs
        keep = (ys >= y_lo) & (ys <= y_hi)
        iso_lines.append((level, xs[keep], ys[keep]))
    iso_boxes = []
    for level, xs, ys in iso_lines:
        if xs.size:
            px, py = to_px(xs[0], ys[0])
            iso_boxes.append((px, py, px + 8 + _LABEL_CHAR_PX * len(f"{level:g}"), py + _LABEL_HEIGHT_PX))
    offsets = place_labels(anchors, texts, obstacles, boxes_px=[band_text, *iso_boxes])
    for g, text, (dx, dy) in zip(groups, texts, offsets, strict=True):
        fig.add_annotation(
            x=float(np.log10(rate(g[0]))), y=g[0]["recon"], text=text, ax=dx, ay=dy,
            showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor="#888888", standoff=4,
            font={"size": 12, "color": "#31333f"}, bgcolor="rgba(255,255,255,0.8)",
        )

    fig.add_vrect(x0=RATE_FLOOR / 2, x1=collapse_nats, fillcolor="#d62728", opacity=0.08,
                  line_width=0)
    if floor is not None:
        fig.add_hline(y=floor, line={"dash": "dot", "color": "#2ca02c"},
                      annotation_text=f"the data's own entropy, {floor:.2f} nats: no BCE goes lower",
                      annotation_position="top right", annotation_font={"size": 11, "color": "#2ca02c"})
    for level, xs, ys in iso_lines:
        fig.add_trace(go.Scatter(
            x=xs.tolist(), y=ys.tolist(), mode="lines", name=f"−ELBO = {level:g} nats",
            line={"dash": "dash", "color": "#9a9a9a", "width": 1}, hoverinfo="skip",
            showlegend=level == iso_elbo[0], legendgroup="iso"))
        if xs.size:
            fig.add_annotation(x=float(np.log10(xs[0])), y=float(ys[0]), text=f"{level:g}",
                               xanchor="left", yanchor="top", xshift=3, showarrow=False,
                               font={"size": 11, "color": "#6b6b6b"})
    fig.add_annotation(x=float(np.log10(collapse_nats)), y=0, yref="paper", text="collapsed",
                       xanchor="right", yanchor="bottom", showarrow=False,
                       font={"size": 12, "color": "#a33"})
    tickvals, ticktext = decade_ticks(RATE_FLOOR, 10 ** log_hi, floor=RATE_FLOOR)
    if iso_elbo:
        fig.data[-len(iso_elbo)].name = "rate + distortion = −ELBO, in nats (grey, dashed)"
    fig.update_layout(title="Rate–distortion plane (held-out)", height=440,
                      xaxis_title="rate: KL(q(z|x) ‖ p(z)) in nats (log scale)",
                      yaxis_title="distortion: reconstruction BCE in nats",
                      margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.22})
    fig.update_xaxes(type="log", range=[log_lo, log_hi], tickvals=tickvals, ticktext=ticktext)
    fig.update_yaxes(range=[y_lo, y_hi])
    return fig


def temperature_curves_figure(curve: dict, temperature: float, real: dict | None = None,
                              current: dict | None = None, band: dict | None = None) -> go.Figure:
    """How a digit judge rates samples against temperature: confidence, fidelity, diversity, distance.

    Parameters
    ----------
    curve : dict
        ``temperature``, ``quality``, ``precision``, ``recall``, ``class_entropy`` and
        ``frechet``, one value per temperature.
    temperature : float
        The slider's temperature, marked on every panel.
    real : dict, optional
        The same scores for the held-out digits, drawn as dotted reference lines.
    current : dict, optional
        The scores of the samples on view (``n`` of them), drawn as a point at ``temperature``
        (but their recall, which grows with the number of samples, and so does not compare).
    band : dict, optional
        ``low``, ``median``, ``high`` and ``n``: what ``n`` real held-out digits score on the
        Fréchet distance over many draws (``vae_core.evaluation.frechet_band``), drawn at
        ``temperature`` beside the samples on view: their sample size, not the curve's.
    """
    panels = (("quality", ("quality",), "recognisability: judge's confidence"),
              ("fidelity", ("precision", "recall"), "precision (fidelity), recall (coverage)"),
              ("diversity", ("class_entropy",), "diversity: class entropy (nats)"),
              ("frechet", ("frechet",), "Fréchet distance to real digits"))
    styles = {"recall": {"dash": "dash", "color": "#9467bd"}}
    fig = make_subplots(rows=1, cols=4, horizontal_spacing=0.07)
    for col, (_, keys, axis_title) in enumerate(panels, start=1):
        for key in keys:
            if key not in curve:
                continue
            fig.add_trace(go.Scatter(x=list(curve["temperature"]), y=list(curve[key]), mode="lines+markers",
                                     name=f"{key}, 500 samples per T" if key in ("precision", "recall") else
                                     "samples (500 per T; Fréchet: 360)", legendgroup=key,
                                     showlegend=key in ("quality", "precision", "recall"),
                                     line=styles.get(key, {"color": "#1f77b4"}), marker={"size": 5}),
                          row=1, col=col)
            if real is not None and real.get(key) is not None:
                fig.add_hline(y=real[key], line={"dash": "dot", "color": "#2ca02c"}, row=1, col=col)
            if current is not None and current.get(key) is not None and key != "recall":
                fig.add_trace(go.Scatter(x=[temperature], y=[current[key]], mode="markers",
                                         name="the samples on view", legendgroup="now",
                                         showlegend=key == "quality",
                                         marker={"size": 11, "color": "#d62728", "symbol": "diamond"}),
                              row=1, col=col)
        fig.add_vline(x=temperature, line={"color": "#d62728", "width": 1}, row=1, col=col)
        fig.update_xaxes(title="temperature T", row=1, col=col)
        fig.update_yaxes(title=axis_title, row=1, col=col)
    if band is not None:
        fig.add_trace(go.Scatter(
            x=[temperature], y=[band["median"]], mode="markers", name=f"{band['n']} real digits (5–95 %)",
            marker={"size": 9, "color": "#2ca02c", "symbol": "line-ew-open", "line": {"width": 3}},
            error_y={"type": "data", "symmetric": False, "array": [band["high"] - band["median"]],
                     "arrayminus": [band["median"] - band["low"]], "color": "#2ca02c", "thickness": 2}),
            row=1, col=4)
    fig.add_hline(y=float(np.log(10)), line={"dash": "dash", "color": "#7f7f7f"}, row=1, col=3,
                  annotation_text="ln 10: every digit alike", annotation_position="bottom right")
    fig.update_layout(title="What a digit judge sees in the samples, by temperature "
                            "(green dots: real held-out digits)",
                      height=340, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.3})
    return fig


def by_beta_figure(betas: Sequence[float], series: dict, chosen_beta: float, *, title: str,
                   y_title: str, height: int = 320) -> go.Figure:
    """One line per series against β (a categorical axis: the sweep's βs), the chosen β marked."""
    labels = [f"{b:g}" for b in betas]
    fig = go.Figure()
    colors = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
    for (name, values), color in zip(series.items(), colors, strict=False):
        fig.add_trace(go.Scatter(x=labels, y=[None if v is None else float(v) for v in values],
                                 mode="lines+markers", name=name, line={"color": color}))
    if chosen_beta in betas:
        fig.add_vline(x=labels.index(f"{chosen_beta:g}"), line={"color": "#d62728", "width": 1})
    fig.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis_title="β", yaxis_title=y_title, legend={"orientation": "h", "y": -0.3})
    fig.update_xaxes(type="category")  # the sweep's βs, evenly spaced
    return fig
