"""Images a visitor uploads to train on: checked, scaled to [0, 1] and split, without Streamlit.

:func:`parse_upload` turns the uploaded files into an :class:`ImageSet`, or raises a
:class:`DataFileError` whose message says what to fix. Uploads are hostile until checked: sizes
are bounded (:class:`DataLimits`) before anything is decoded, nothing is unpickled, and an
array's header is read before its data.

The rules
---------
Formats (one upload is one of these):

- **CSV**, one file: one image per row, pixels row by row, comma-separated. A first row that
  holds any non-number is a header; a header column named ``label`` holds the labels. Without a
  header there are no labels.
- **NumPy**, one ``.npy`` or ``.npz`` file: images of shape ``(n, side, side)`` or
  ``(n, side * side)``, numeric (bool, integer or float). An ``.npz`` holds the images (any name,
  e.g. ``X``) and optional labels (``y``, ``labels`` or ``label``, shape ``(n,)``, integers).
- **PNG**, one or more files, one image each, all of the same square size; colour is converted
  to grey (luminance), transparency is ignored. File names starting with a number and ``_`` or
  ``-`` (``7_0001.png``) give the labels; either every file is named so or none.

Sizes: square images from 2x2 up to ``max_side`` x ``max_side`` (28 x 28), between
``min_rows`` (50) and ``max_rows`` (10,000) images, and at most ``max_decoded_bytes`` once decoded
to 64-bit pixels: an upload is sized by what it decodes to, since a small compressed file can
decode to a large array.

Scaling, decided on the whole set (PNG pixels are 8-bit, so always divided by 255):

- every value in [0, 1]: kept as it is;
- whole numbers up to 16: divided by 16 (the scale of scikit-learn's 8x8 digits);
- whole numbers up to 255: divided by 255 (8-bit pixels);
- anything else is refused as ambiguous, and so are negative, NaN and infinite values.

Labels are optional; when given they are whole numbers, one per image.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import os
import re
import struct
import zipfile
import zlib

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.model_selection import train_test_split

from vae_core import DigitSplit
from vae_core.io import ArrayFileError, npz_members, read_npy

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LABEL_NAMES = ("y", "labels", "label")
# Pillow modes with 8 bits per channel; convert("L") maps each to one grey byte.
_PNG_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA")
_LABELLED_NAME = re.compile(r"^(\d{1,9})[_-]")
_LINE_END = re.compile(rb"[\r\n]")
# The chunks that say what a PNG's pixels are. Pillow inflates text (zTXt, iTXt) and colour-profile
# (iCCP) chunks as it opens a file, up to 64 MB a file; the pixels need none of the other chunks.
_PNG_PIXEL_CHUNKS = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"})


class DataFileError(ValueError):
    """An upload that is not a usable image set; the message says what to fix."""


@dataclasses.dataclass(frozen=True)
class DataLimits:
    """Bounds on an upload, checked before the data is decoded.

    Attributes
    ----------
    max_bytes : int
        All uploaded files together. The default fits a CSV of 10,000 28x28 images written as
        0..255 integers.
    min_rows, max_rows : int
        Number of images.
    min_side, max_side : int
        Side of the square images, in pixels.
    max_decoded_bytes : int
        The images as the float64 array they decode to, checked from the declared sizes before
        any pixel is decoded. The default holds 10,000 images of 28x28 (60 MB).
    """

    max_bytes: int = 32 * 2**20
    min_rows: int = 50
    max_rows: int = 10_000
    min_side: int = 2
    max_side: int = 28
    max_decoded_bytes: int = 64 * 2**20

    @property
    def max_array_bytes(self):
        """Largest raw arrays an ``.npz`` may hold: the decoded images and a 64-bit label each."""
        return self.max_decoded_bytes + self.max_rows * 8


@dataclasses.dataclass(frozen=True)
class ImageSet:
    """Square images flattened row by row, with pixels in [0, 1].

    Attributes
    ----------
    X : ndarray of shape (n_images, side * side), float64
    y : ndarray of shape (n_images,), int64, or None
        Labels, when the upload has them.
    side : int
    source : str
        Plain text: the file(s), the count, the size and how the values were scaled.
    """

    X: np.ndarray
    y: np.ndarray | None
    side: int
    source: str


def parse_upload(files: list[tuple[str, bytes]], limits: DataLimits | None = None) -> ImageSet:
    """Check and decode uploaded files into an :class:`ImageSet`.

    Parameters
    ----------
    files : list of (file name, content)
        One CSV, one ``.npy``/``.npz``, or one or more PNG files.
    limits : DataLimits, optional
        ``DataLimits()`` when omitted.

    Raises
    ------
    DataFileError
        With a message saying what to fix: the format, the size, the values or the labels.
    """
    limits = DataLimits() if limits is None else limits
    if not files:
        raise DataFileError("No file was uploaded: upload one CSV, one .npy/.npz file, or PNG images.")
    total = sum(len(data) for _, data in files)
    if total > limits.max_bytes:
        raise DataFileError(f"The upload is {_megabytes(total)}; at most {_megabytes(limits.max_bytes)} is "
                            "accepted. Upload fewer or smaller images.")
    if len(files) > limits.max_rows:
        raise DataFileError(f"{len(files)} files were uploaded; at most {limits.max_rows} images are accepted.")
    kinds = {_kind(name) for name, _ in files}
    if len(kinds) > 1 or (kinds != {"png"} and len(files) > 1):
        raise DataFileError("Upload one CSV, one .npy/.npz file, or any number of PNG images, not a mix "
                            f"({', '.join(_plain(name) for name, _ in files[:5])}).")
    kind = kinds.pop()
    if kind == "png":
        pixels, labels, note = _parse_pngs(files, limits)
    else:
        name, data = files[0]
        parse = {"csv": _parse_csv, "npy": _parse_npy, "npz": _parse_npz}[kind]
        pixels, labels, note = parse(name, data, limits)
    X, side = _check_images(pixels, limits)
    X, scaling = _divide(X, 255.0, "8-bit pixels divided by 255") if kind == "png" else _scale(X)
    y = None if labels is None else _check_labels(labels, X.shape[0])
    names = _plain(files[0][0]) if len(files) == 1 else f"{len(files)} PNG files"
    source = (f"{names}: {X.shape[0]:,} images of {side}x{side} pixels, {scaling}, "
              f"{'labels from ' + note if y is not None else 'no labels'}")
    return ImageSet(X=X, y=y, side=side, source=source)


def split_images(images: ImageSet, test_size: float = 0.2, random_state: int = 0) -> DigitSplit:
    """Seeded train / held-out split, stratified by label when every class can be.

    Parameters
    ----------
    images : ImageSet
    test_size : float in (0, 1)
        Fraction of images held out.
    random_state : int
        The same seed always gives the same split.

    Returns
    -------
    DigitSplit
        ``(X_train, X_test, y_train, y_test)``; the labels are ``None`` when ``images.y`` is.

    Notes
    -----
    Stratified when there are labels, every class has at least two images and both parts can
    hold one image of each class; otherwise a plain shuffled split.
    """
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1, got {test_size!r}.")
    n = images.X.shape[0]
    if images.y is None:
        X_train, X_test = train_test_split(images.X, test_size=test_size, random_state=random_state)
        return DigitSplit(X_train, X_test, None, None)
    _, counts = np.unique(images.y, return_counts=True)
    n_test = math.ceil(test_size * n)
    stratify = counts.min() >= 2 and min(n_test, n - n_test) >= counts.size
    parts = train_test_split(images.X, images.y, test_size=test_size, random_state=random_state,
                             stratify=images.y if stratify else None)
    return DigitSplit(*parts)


# --------------------------------------------------------------------------- formats
def _kind(name):
    extension = os.path.splitext(name)[1].lower()
    kinds = {".csv": "csv", ".npy": "npy", ".npz": "npz", ".png": "png"}
    if extension not in kinds:
        raise DataFileError(f"{_plain(name)}: unsupported file type {extension or '(none)'!r}; upload a .csv, "
                            ".npy, .npz or .png file.")
    return kinds[extension]


def _parse_csv(name, data, limits):
    """``(pixels, labels or None, label note)`` from a CSV with an optional header row."""
    header = _csv_header(name, data, limits)
    labels_at = [i for i, cell in enumerate(header or ()) if cell.strip().lower() == "label"]
    if len(labels_at) > 1:
        # pandas would rename the second "label" to "label.1", and read it as a pixel.
        raise DataFileError(f"{_plain(name)} has {len(labels_at)} columns named 'label'; keep one.")
    try:
        frame = pd.read_csv(io.BytesIO(data), header=0 if header else None, nrows=limits.max_rows + 1,
                            encoding="utf-8-sig", skip_blank_lines=True)
    except pd.errors.EmptyDataError as exc:
        raise DataFileError(f"{_plain(name)} holds no rows of numbers.") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{_plain(name)} is not a text CSV (UTF-8); save the table as CSV.") from exc
    except (ValueError, OverflowError, csv.Error) as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            expected, line, seen = match.groups()
            raise DataFileError(f"{_plain(name)}: line {line} has {seen} values, but the first row has {expected}. "
                                "Every row must hold the same number of values.") from exc
        raise DataFileError(f"{_plain(name)} is not a readable CSV ({exc}).") from exc
    if header and not isinstance(frame.index, pd.RangeIndex):
        # pandas makes the first values of rows longer than the header the rows' index.
        raise DataFileError(f"{_plain(name)}: the header row names {len(header)} columns, but line 2 has "
                            f"{len(header) + frame.index.nlevels} values. Name every column, or none.")
    _check_rows(name, len(frame), limits)
    first_line = 2 if header else 1
    missing = frame.isna().any(axis=1).to_numpy()
    if missing.any():
        line = first_line + int(np.argmax(missing))
        raise DataFileError(f"{_plain(name)}: line {line} has missing values (an empty cell, NaN, or fewer values "
                            "than the first row). Every row must hold the same number of values.")
    for column in frame.columns:
        if frame[column].dtype.kind not in "iuf":
            values = frame[column]
            bad = pd.to_numeric(values.astype(str), errors="coerce").isna().to_numpy()
            where = f"line {first_line + int(np.argmax(bad))}, " if bad.any() else ""
            cell = f"{_plain(values.iloc[int(np.argmax(bad))])!r}" if bad.any() else "values"
            raise DataFileError(f"{_plain(name)}: {where}column {_plain(column)} holds {cell}, not a plain number. "
                                "Every cell must be a number; only the first row may be a header.")
    labels = frame.pop(frame.columns[labels_at[0]]).to_numpy() if labels_at else None
    _check_decoded(name, len(frame), frame.shape[1], limits)
    return frame.to_numpy(dtype=np.float64), labels, "the column 'label'"


def _csv_header(name, data, limits):
    """The cells of the CSV's first row if it is a header (holds a non-number), else None.

    Refuses an over-long first row before anything else is read. A row ends at a line feed, a
    carriage return or both (as pandas reads them).
    """
    end = _LINE_END.search(data, 0, 64 * 1024)
    first = data[: end.start() if end else 64 * 1024]
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{_plain(name)} is not a text CSV (UTF-8); save the table as CSV.") from exc
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error as exc:
        raise DataFileError(f"{_plain(name)}: the first row is not readable CSV ({exc}).") from exc
    max_columns = limits.max_side**2 + 1
    if (end is None and len(data) > len(first)) or len(cells) > max_columns:
        raise DataFileError(f"{_plain(name)}: the first row is longer than an image of {limits.max_side}x"
                            f"{limits.max_side} pixels and a label ({max_columns} values).")
    return cells if any(not _is_number(cell) for cell in cells) else None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_npy(name, data, limits):
    pixels = _read_array(io.BytesIO(data), len(data), _plain(name), limits, labels=False)
    return pixels, None, ""


def _parse_npz(name, data, limits):
    """``(pixels, labels or None, label note)`` from an ``.npz`` of images and optional labels."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, NotImplementedError) as exc:
        raise DataFileError(f"{_plain(name)} is not a readable .npz archive; save it with numpy.savez.") from exc
    with archive:
        members = _npz_members(name, archive.infolist(), limits)
        image_key, label_key = _npz_roles(name, members)
        pixels = _read_member(name, archive, members[image_key], limits, labels=False)
        if label_key is None:
            return pixels, None, ""
        labels = _read_member(name, archive, members[label_key], limits, labels=True)
    return pixels, labels, f"the array {label_key!r}"


def _npz_members(name, infos, limits):
    """The ``.npy`` members of an archive by array name, refused if they could not be read safely."""
    if len(infos) > 2 or not infos:
        raise DataFileError(f"{_plain(name)} holds {len(infos)} arrays; it must hold the images and, optionally, "
                            "their labels (named X and y).")
    try:
        members = npz_members(infos, _plain(name))
    except ArrayFileError as exc:
        raise DataFileError(str(exc)) from exc
    total = sum(info.file_size for info in infos)
    if total > limits.max_array_bytes + 4096:
        raise DataFileError(f"{_plain(name)} would decompress to {_megabytes(total)}, more than images of at most "
                            f"{_megabytes(limits.max_decoded_bytes)} (as 64-bit pixels) and their labels can take.")
    return members


def _npz_roles(name, members):
    """Which array holds the images and which (if any) the labels."""
    label_keys = [key for key in members if key in LABEL_NAMES]
    image_keys = [key for key in members if key not in LABEL_NAMES]
    if len(image_keys) != 1 or len(label_keys) > 1:
        raise DataFileError(f"{_plain(name)} holds the arrays {sorted(members)}; name the images X and the labels "
                            "y (e.g. numpy.savez(file, X=images, y=labels)).")
    return image_keys[0], (label_keys[0] if label_keys else None)


def _read_member(name, archive, info, limits, labels):
    what = f"{_plain(name)} (array {_plain(info.filename[:-4])!r})"
    try:
        with archive.open(info) as handle:
            return _read_array(handle, info.file_size, what, limits, labels)
    except DataFileError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, RuntimeError) as exc:
        raise DataFileError(f"{what} is damaged or truncated ({exc}).") from exc


def _read_array(handle, size, what, limits, labels):
    """An image or label array from a ``.npy`` stream of ``size`` bytes (the engine's safe reader)."""

    def check(shape, dtype):
        if dtype.kind not in ("iu" if labels else "biuf") or dtype.itemsize > 8:
            expected = "whole numbers" if labels else "numbers"
            raise DataFileError(f"{what} holds {dtype} values; it must hold {expected}.")
        _check_shape(what, shape, limits, labels)

    try:
        return read_npy(handle, size, what, check)
    except ArrayFileError as exc:
        raise DataFileError(f"{exc} Save the images as an array of numbers with numpy.save or numpy.savez.") from exc


def _check_shape(what, shape, limits, labels):
    """Refuse a declared shape that is not ``(n,)`` labels or ``(n, side, side)`` / ``(n, side*side)`` images."""
    if labels:
        if len(shape) != 1:
            raise DataFileError(f"{what}: labels must be one number per image, shape (n,), got shape {shape}.")
        return
    if len(shape) not in (2, 3):
        raise DataFileError(f"{what} has shape {shape}; images must be (n_images, side, side) or "
                            "(n_images, side * side).")
    _check_rows(what, shape[0], limits)
    if len(shape) == 3 and shape[1] != shape[2]:
        raise DataFileError(f"{what}: the images are {shape[1]}x{shape[2]} pixels; they must be square.")
    if math.prod(shape[1:]) > limits.max_side**2:
        raise DataFileError(f"{what}: images of {math.prod(shape[1:])} pixels are larger than {limits.max_side}x"
                            f"{limits.max_side}.")
    _check_decoded(what, shape[0], math.prod(shape[1:]), limits)


def _parse_pngs(files, limits):
    """``(pixels, labels or None, label note)`` from PNG files, one image each."""
    _check_rows(f"{len(files)} PNG files", len(files), limits)
    images, size = [], None
    for name, data in files:
        image = _read_png(name, data, limits, size)
        if size is None:
            size = image.shape[0]
            _check_decoded(f"{len(files)} PNG files", len(files), size * size, limits)
        images.append(image.ravel())
    matches = [_LABELLED_NAME.match(os.path.basename(name)) for name, _ in files]
    if any(matches) and not all(matches):
        unlabelled = next(name for (name, _), m in zip(files, matches, strict=True) if not m)
        raise DataFileError(f"Some PNG names start with a label (7_0001.png) and some do not ({_plain(unlabelled)}); "
                            "name every file <label>_<anything>.png, or none.")
    labels = np.array([int(m.group(1)) for m in matches]) if all(matches) else None
    return np.stack(images), labels, "the file names"


def _read_png(name, data, limits, side):
    """One PNG as a (side, side) uint8 grey image, its size checked before its pixels are decoded."""
    if not data.startswith(PNG_SIGNATURE):
        raise DataFileError(f"{_plain(name)} is not a PNG image (it lacks the PNG signature).")
    try:
        with Image.open(io.BytesIO(_pixel_chunks(data)), formats=["PNG"]) as image:
            width, height = image.size
            if width != height:
                raise DataFileError(f"{_plain(name)} is {width}x{height} pixels; images must be square.")
            if not limits.min_side <= width <= limits.max_side:
                raise DataFileError(f"{_plain(name)} is {width}x{height} pixels; images must be between "
                                    f"{limits.min_side}x{limits.min_side} and {limits.max_side}x{limits.max_side}.")
            if side is not None and width != side:
                raise DataFileError(f"{_plain(name)} is {width}x{height} pixels, but the first image is "
                                    f"{side}x{side}; all images must have one size.")
            if image.mode not in _PNG_MODES:
                raise DataFileError(f"{_plain(name)} has {image.mode} pixels; save it as an 8-bit grey or colour PNG.")
            return np.asarray(image.convert("L"), dtype=np.uint8)  # (side, side)
    except DataFileError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error, Image.DecompressionBombError) as exc:
        raise DataFileError(f"{_plain(name)} is not a readable PNG image ({exc}).") from exc


def _pixel_chunks(data):
    """The PNG ``data`` with only the chunks that define its pixels (``_PNG_PIXEL_CHUNKS``), in order.

    Walks the chunks by their declared lengths and copies the kept ones whole; a truncated chunk
    is kept as it is, for Pillow to refuse.
    """
    kept, pos = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length  # length and type, the data, the CRC
        if kind in _PNG_PIXEL_CHUNKS or end > len(data):
            kept.append(data[pos:end])
        if kind == b"IEND":
            break
        pos = end
    return b"".join(kept)


# --------------------------------------------------------------------------- values
def _check_rows(what, n_rows, limits):
    if n_rows < limits.min_rows:
        raise DataFileError(f"{_plain(what)} holds {n_rows} images; at least {limits.min_rows} are needed to train.")
    if n_rows > limits.max_rows:
        raise DataFileError(f"{_plain(what)} holds {n_rows:,} images or more; at most {limits.max_rows:,} "
                            "are accepted.")


def _check_decoded(what, n_images, n_pixels, limits):
    """Refuse images that would take more than ``limits.max_decoded_bytes`` as 64-bit pixels."""
    n_bytes = n_images * n_pixels * 8
    if n_bytes > limits.max_decoded_bytes:
        side = math.isqrt(n_pixels)
        size = f"{side}x{side} pixels" if side * side == n_pixels else f"{n_pixels} pixels"
        raise DataFileError(f"{_plain(what)} holds {n_images:,} images of {size}: {_megabytes(n_bytes)} as 64-bit "
                            f"numbers; at most {_megabytes(limits.max_decoded_bytes)} is accepted. Upload fewer or "
                            "smaller images.")


def _check_images(pixels, limits):
    """Flatten to (n, side * side) float64 and check the size, finiteness and sign."""
    n = pixels.shape[0]
    X = pixels.reshape(n, -1).astype(np.float64)  # (n, side * side)
    side = math.isqrt(X.shape[1])
    if side * side != X.shape[1]:
        hint = ""
        if math.isqrt(X.shape[1] - 1) ** 2 == X.shape[1] - 1:
            hint = " If one column holds labels, name it 'label' in a header row."
        raise DataFileError(f"Each image has {X.shape[1]} values, which is not a square number of pixels "
                            f"(8x8 = 64, 28x28 = 784).{hint}")
    if not limits.min_side <= side <= limits.max_side:
        raise DataFileError(f"The images are {side}x{side} pixels; they must be between {limits.min_side}x"
                            f"{limits.min_side} and {limits.max_side}x{limits.max_side}.")
    if not np.all(np.isfinite(X)):
        raise DataFileError("The images hold NaN or infinite values; every pixel must be a number.")
    if X.min() < 0:
        raise DataFileError(f"The images hold negative values (down to {X.min():.3g}); pixels must be >= 0.")
    return X, side


def _scale(X):
    """``(X in [0, 1], description)`` by the rule in the module docstring; ``X`` is divided in place."""
    top = X.max()
    if top <= 1.0:
        return X, "values in [0, 1] kept as they are"
    # Block by block: a copy of the whole array would double the upload's peak memory.
    whole = all(np.array_equal(block, np.round(block)) for block in np.array_split(X, -(-X.size // 2**20)))
    if whole and top <= 16:
        return _divide(X, 16.0, "whole numbers 0..16 divided by 16")
    if whole and top <= 255:
        return _divide(X, 255.0, "whole numbers 0..255 divided by 255")
    raise DataFileError(f"Pixel values go up to {top:.6g}, which fits no known scale: use values in [0, 1], "
                        "whole numbers 0..16, or whole numbers 0..255.")


def _divide(X, by, description):
    X /= by  # X is the upload's own float64 copy (_check_images)
    return X, description


def _check_labels(labels, n_images):
    labels = np.asarray(labels)
    if labels.shape != (n_images,):
        raise DataFileError(f"There are {labels.size} labels for {n_images} images; give one label per image.")
    if labels.dtype.kind not in "iu":
        raise DataFileError(f"Labels must be whole numbers (class ids such as 0..9), got {labels.dtype} values.")
    if labels.dtype.kind == "u" and labels.size and labels.max() > np.iinfo(np.int64).max:
        raise DataFileError("Labels must be whole numbers that fit in 64 bits.")
    return labels.astype(np.int64)


def _plain(text, limit=60):
    """``text`` without control characters, cut to ``limit`` characters, safe to show on a page."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _megabytes(n_bytes):
    return f"{n_bytes / 2**20:,.1f} MB"
