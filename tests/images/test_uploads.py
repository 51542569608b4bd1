"""Uploaded image sets: each accepted format, each refusal with what to fix, and the split."""

import ast
import io
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from sklearn.datasets import load_digits

from latent_lab.images import uploads
from latent_lab.images.uploads import DataFileError, DataLimits, ImageSet, parse_upload, split_images
from tests.vae_core.crafted_files import UNPICKLED, Tripwire, nested_npy_header, raw_zip, stored
from tests.vae_core.crafted_files import npy as _npy
from tests.vae_core.crafted_files import npy_header as _npy_header
from tests.vae_core.crafted_files import png_chunk as _png_chunk
from tests.vae_core.crafted_files import png_with_chunks as _png_with_chunks


@pytest.fixture(scope="module")
def raw_digits():
    """The first 120 scikit-learn digits: 0..16 integer pixels (120, 64) and labels."""
    digits = load_digits()
    return digits.data[:120].astype(np.int64), digits.target[:120].astype(np.int64)


def _csv(rows, header=None):
    lines = [] if header is None else [",".join(header)]
    lines += [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _png(pixels, mode="L"):
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).convert(mode).save(buffer, "PNG")
    return buffer.getvalue()


def _pngs(raw_digits, n=60, mode="L", name="{label}_{i}.png"):
    X, y = raw_digits
    return [(name.format(label=y[i], i=i), _png(X[i].reshape(8, 8) * 15, mode)) for i in range(n)]


# --------------------------------------------------------------------------- accepted formats
def test_a_csv_of_digit_intensities_is_divided_by_16(raw_digits):
    X, _ = raw_digits
    images = parse_upload([("digits.csv", _csv(X))])
    assert isinstance(images, ImageSet)
    assert images.X.shape == (120, 64) and images.X.dtype == np.float64 and images.side == 8
    np.testing.assert_array_equal(images.X, X / 16.0)
    assert images.y is None
    assert images.source == ("digits.csv: 120 images of 8x8 pixels, whole numbers 0..16 divided by 16, "
                             "no labels")


def test_a_csv_header_names_the_label_column(raw_digits):
    X, y = raw_digits
    header = [f"pixel{i}" for i in range(32)] + ["label"] + [f"pixel{i}" for i in range(32, 64)]
    rows = np.hstack([X[:, :32] * 15, y[:, None], X[:, 32:] * 15])  # 0..240: an 8-bit scale
    images = parse_upload([("digits.csv", _csv(rows, header))])
    np.testing.assert_array_equal(images.y, y)
    np.testing.assert_allclose(images.X, X * 15 / 255.0)
    assert "0..255 divided by 255" in images.source and "labels from the column 'label'" in images.source


def test_a_csv_of_unit_floats_is_kept(raw_digits):
    X, _ = raw_digits
    images = parse_upload([("unit.csv", _csv(np.round(X / 16.0, 6)))])
    np.testing.assert_allclose(images.X, X / 16.0, atol=1e-6)
    assert "kept as they are" in images.source


@pytest.mark.parametrize("shape", [(120, 8, 8), (120, 64)])
def test_an_npy_array_of_8_bit_pixels_is_divided_by_255(raw_digits, shape):
    X, _ = raw_digits
    images = parse_upload([("digits.npy", _npy((X * 15).astype(np.uint8).reshape(shape)))])
    np.testing.assert_allclose(images.X, X * 15 / 255.0)
    assert images.side == 8


def test_a_28_by_28_fortran_order_array_reads_row_by_row():
    rng = np.random.default_rng(0)
    X = rng.random((50, 28, 28))
    images = parse_upload([("big.npy", _npy(np.asfortranarray(X)))])
    np.testing.assert_array_equal(images.X, X.reshape(50, 784))
    assert images.side == 28


def test_a_boolean_array_is_read_as_zeros_and_ones():
    X = np.random.default_rng(0).random((60, 4, 4)) > 0.5
    np.testing.assert_array_equal(parse_upload([("bits.npy", _npy(X))]).X, X.reshape(60, 16))


@pytest.mark.parametrize(("images_key", "labels_key"), [("X", "y"), ("images", "labels"), ("arr_0", None)])
def test_an_npz_holds_images_and_optional_labels(raw_digits, images_key, labels_key):
    X, y = raw_digits
    arrays = {images_key: X} | ({labels_key: y} if labels_key else {})
    images = parse_upload([("digits.npz", _npz(**arrays))])
    np.testing.assert_array_equal(images.X, X / 16.0)
    if labels_key:
        np.testing.assert_array_equal(images.y, y)
        assert f"labels from the array {labels_key!r}" in images.source
    else:
        assert images.y is None


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "LA", "P", "1"])
def test_png_files_are_one_grey_image_each(raw_digits, mode):
    files = _pngs(raw_digits, mode=mode)
    images = parse_upload(files)
    assert images.X.shape == (60, 64) and images.side == 8
    np.testing.assert_array_equal(images.y, raw_digits[1][:60])
    assert images.source.startswith("60 PNG files: 60 images of 8x8 pixels, 8-bit pixels divided by 255")
    if mode in ("L", "LA", "RGB", "RGBA"):
        np.testing.assert_allclose(images.X, raw_digits[0][:60] * 15 / 255.0)


def test_png_files_without_a_label_prefix_have_no_labels(raw_digits):
    assert parse_upload(_pngs(raw_digits, name="img{i:04d}.png")).y is None


def test_the_source_is_plain_text():
    X = np.zeros((50, 4))
    images = parse_upload([("evil\x1b[31m\nname" + "x" * 100 + ".npy", _npy(X))])
    assert images.source.isprintable() and len(images.source) < 200


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "No file was uploaded"),
        ([("notes.txt", b"1,2,3")], "unsupported file type '.txt'"),
        ([("a.csv", b"1"), ("b.csv", b"1")], "not a mix"),
        ([("a.csv", b"1"), ("b.png", b"1")], "not a mix"),
        ([("a.csv", b"")], "holds no rows of numbers"),
        ([("a.csv", b"\xff\xfe\x00\x01binary" * 20)], "not a text CSV"),
    ],
)
def test_an_upload_of_the_wrong_kind_is_refused(files, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload(files)


def test_a_file_over_the_byte_limit_is_refused_undecoded(raw_digits):
    data = _csv(raw_digits[0])
    with pytest.raises(DataFileError, match=r"at most 0\.0 MB"):
        parse_upload([("digits.csv", data)], DataLimits(max_bytes=len(data) - 1))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: rows.__setitem__(3, rows[3] + ",5"), "line 4 has 65 values, but the first row has 64"),
        (lambda rows: rows.__setitem__(3, rows[3].rsplit(",", 1)[0]), "line 4 has missing values"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "nan", 1)), "line 4 has missing values"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "", 1)), "line 4 has missing values"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "inf", 1)), "NaN or infinite"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "abc", 1)), r"line 4, column \d+ holds 'abc'"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "-1", 1)), "negative values"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "300", 1)), "up to 300, which fits no known scale"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "2.5", 1)), "up to 16, which fits no known scale"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("0", "True", 1)), "not a plain number"),
    ],
)
def test_bad_csv_cells_are_named(raw_digits, edit, message):
    rows = _csv(raw_digits[0]).decode().splitlines()
    edit(rows)
    data = ("\n".join(rows) + "\n").encode()
    with pytest.raises(DataFileError, match=message):
        parse_upload([("digits.csv", data)])


@pytest.mark.parametrize(
    ("n_columns", "header", "message"),
    [
        (63, None, "63 values, which is not a square number"),
        (65, None, "If one column holds labels, name it 'label' in a header row"),
        (900, None, "first row is longer than an image of 28x28 pixels and a label"),
        (1, None, "1x1 pixels; they must be between 2x2 and 28x28"),
    ],
)
def test_csv_rows_must_be_square_images(n_columns, header, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.csv", _csv(np.ones((60, n_columns), dtype=int), header))])


def test_csv_labels_must_be_whole_numbers(raw_digits):
    X, y = raw_digits
    header = ["label"] + [f"p{i}" for i in range(64)]
    with pytest.raises(DataFileError, match="Labels must be whole numbers"):
        parse_upload([("a.csv", _csv(np.hstack([y[:, None] + 0.5, X]), header))])
    with pytest.raises(DataFileError, match="holds 'seven', not a plain number"):
        parse_upload([("a.csv", _csv([["seven", *row] for row in X], header))])
    with pytest.raises(DataFileError, match="2 columns named 'label'"):
        parse_upload([("a.csv", _csv(np.hstack([y[:, None], y[:, None], X]), ["label", "Label", *header[1:]]))])


@pytest.mark.parametrize(
    ("n_rows", "message"),
    [(49, "holds 49 images; at least 50 are needed"), (10_001, "holds 10,001 images or more; at most 10,000")],
)
def test_too_few_or_too_many_rows_are_refused(n_rows, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.csv", _csv(np.zeros((n_rows, 4), dtype=int)))])
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.npy", _npy(np.zeros((n_rows, 4))))])


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((60, 8, 10)), "8x10 pixels; they must be square"),
        (np.zeros((60, 63)), "not a square number"),
        (np.zeros((60, 30, 30)), "900 pixels are larger than 28x28"),
        (np.zeros((60, 8, 8, 1)), r"shape \(60, 8, 8, 1\); images must be"),
        (np.zeros(64), r"shape \(64,\); images must be"),
        (np.full((60, 64), np.nan), "NaN or infinite"),
        (np.full((60, 64), -np.inf), "NaN or infinite"),
        (np.full((60, 64), -0.5), "negative values"),
        (np.full((60, 64), 1.5), "fits no known scale"),
        (np.full((60, 64), 256), "fits no known scale"),
        (np.zeros((60, 64), dtype=np.complex128), "holds complex128 values; it must hold numbers"),
        (np.array([["a"] * 64] * 60), "holds <U1 values"),
        (np.zeros((60, 64), dtype=[("a", "f8")]), "objects or records"),
    ],
)
def test_bad_arrays_are_refused(array, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.npy", _npy(array))])


def test_pickled_objects_are_refused_without_unpickling():
    evil = _npy(np.array([Tripwire()] * 60, dtype=object), allow_pickle=True)
    with pytest.raises(DataFileError, match="Python objects or records"):
        parse_upload([("a.npy", evil)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("X.npy", evil)
    with pytest.raises(DataFileError, match="Python objects or records"):
        parse_upload([("a.npz", buffer.getvalue())])
    assert UNPICKLED == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_npy_header("<f8", (10**9, 64)), "1,000,000,000 images or more"),
        (_npy_header("<f8", (60, 64)) + bytes(100), "declares 30720 bytes of data, but 100 follow it"),
        (_npy_header("<f8", (60, -64)), "negative size"),
        (b"\x93NUMPY junk", "not a NumPy array file"),
        (b"PK\x03\x04 not an array", "not a NumPy array file"),
        (b"\x93NUMPY\x01\x00\x04\x00{(}\n", "not a NumPy array file"),  # NumPy's tokenizer fallback fails
    ],
)
def test_an_npy_header_is_checked_before_its_data(data, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.npy", data)])


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((60, 64)), "y": np.zeros(59, dtype=int)}, "59 labels for 60 images"),
        ({"X": np.zeros((60, 64)), "y": np.zeros(60)}, r"array 'y'\) holds float64 values; it must hold whole"),
        ({"X": np.zeros((60, 64)), "y": np.zeros((60, 1), dtype=int)}, r"labels must be one number per image"),
        ({"X": np.zeros((60, 64)), "z": np.zeros((60, 64))}, r"holds the arrays \['X', 'z'\]; name the images X"),
        ({"X": np.zeros((60, 64)), "y": np.zeros(60, dtype=int), "w": np.zeros(3)}, "holds 3 arrays"),
    ],
)
def test_npz_contents_are_checked(arrays, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.npz", _npz(**arrays))])


def test_an_npz_that_is_not_an_npz_is_refused():
    with pytest.raises(DataFileError, match=r"not a readable \.npz archive"):
        parse_upload([("a.npz", b"PK\x03\x04 truncated")])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("X.txt", b"hello")
    with pytest.raises(DataFileError, match=r"not an archive written by numpy\.savez"):
        parse_upload([("a.npz", buffer.getvalue())])


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([stored("X.npy", _npy(np.zeros((60, 64))))] * 2, "holds the member 'X.npy' twice"),
        ([("X.npy", zipfile.ZIP_STORED, 1, b"x", 0, 1)], "its member 'X.npy' is encrypted"),
        ([("X.npy", zipfile.ZIP_BZIP2, 0, b"x", 0, 1)], "unsupported compression"),
    ],
)
def test_an_npz_directory_is_checked_before_any_member_is_read(entries, message):
    with pytest.raises(DataFileError, match=message):
        parse_upload([("a.npz", raw_zip(entries))])


def test_an_npz_zip_bomb_is_refused_undecompressed():
    # 100 MB of zeros in a 0.1 MB upload: more than 10,000 28x28 float64 images can take.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("X.npy", "w") as member:
        member.write(_npy_header("<f8", (13_000, 1000)))
        for _ in range(100):
            member.write(bytes(2**20))
    with pytest.raises(DataFileError, match=r"would decompress to 100\.0 MB"):
        parse_upload([("a.npz", buffer.getvalue())])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda png: b"GIF89a" + png[6:], "lacks the PNG signature"),
        (lambda png: png[:8] + b"\x00" * 40, "not a readable PNG"),
        (lambda png: png[: len(png) // 2], "not a readable PNG"),
        (lambda png: _png(np.zeros((8, 10))), "10x8 pixels; images must be square"),
        (lambda png: _png(np.zeros((30, 30))), "30x30 pixels; images must be between 2x2 and 28x28"),
        (lambda png: _png(np.zeros((9, 9))), "9x9 pixels, but the first image is 8x8"),
        (lambda png: _png(np.zeros((8, 8)), mode="I;16"), "I;16 pixels; save it as an 8-bit"),
    ],
)
def test_a_png_that_is_not_a_usable_image_is_named(raw_digits, make, message):
    files = _pngs(raw_digits)
    files[5] = ("5_bad.png", make(files[5][1]))
    with pytest.raises(DataFileError, match=message) as info:
        parse_upload(files)
    assert str(info.value).startswith("5_bad.png ")


def test_png_labels_are_all_or_nothing(raw_digits):
    files = _pngs(raw_digits)
    files[7] = ("untitled.png", files[7][1])
    with pytest.raises(DataFileError, match=r"Some PNG names start with a label .*\(untitled.png\)"):
        parse_upload(files)


def test_too_few_pngs_are_refused(raw_digits):
    with pytest.raises(DataFileError, match="49 PNG files holds 49 images; at least 50"):
        parse_upload(_pngs(raw_digits, n=49))


# --------------------------------------------------------------------------- bounded parsing
def test_png_text_and_profile_chunks_are_never_decompressed(raw_digits, monkeypatch):
    # Pillow inflates zTXt, compressed iTXt and iCCP chunks as it opens a file, up to 1 MB each and
    # 64 MB a file: 78 PNGs of sixty 1 MB zTXt chunks fit in 5 MB and took 14 s of CPU to parse.
    def inflate(data):
        raise AssertionError("a PNG chunk the pixels do not need was decompressed")

    monkeypatch.setattr(PngImagePlugin, "_safe_zlib_decompress", inflate)
    bomb = zlib.compress(bytes(2 * 2**20), 9)  # past Pillow's 1 MB bound, which refused the file
    extra = [_png_chunk(b"zTXt", b"Comment\0\0" + bomb), _png_chunk(b"iTXt", b"Comment\0\1\0\0\0" + bomb),
             _png_chunk(b"tEXt", b"Comment\0" + b"x" * 1000)]
    files = _pngs(raw_digits)
    files = [(name, _png_with_chunks(png, before=[_png_chunk(b"iCCP", b"icc\0\0" + bomb), *extra], after=extra))
             for name, png in files]
    images = parse_upload(files)
    np.testing.assert_allclose(images.X, raw_digits[0][:60] * 15 / 255.0)


def test_a_palette_png_keeps_its_colours_and_ignores_transparency(raw_digits):
    grey = raw_digits[0][0].reshape(8, 8) * 15
    buffer = io.BytesIO()
    Image.fromarray(grey.astype(np.uint8)).convert("P").save(buffer, "PNG", transparency=0)
    assert b"tRNS" in buffer.getvalue() and b"PLTE" in buffer.getvalue()
    images = parse_upload([("0_a.png", buffer.getvalue()), *_pngs(raw_digits)[1:]])
    np.testing.assert_allclose(images.X[0], grey.ravel() / 255.0)


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
@pytest.mark.parametrize("depth", [1, 100, 3000, 9000])
def test_an_npy_header_nested_thousands_deep_is_refused(depth, version):
    # Python's parser gives up on such a header with a RecursionError, or (3.11) a MemoryError.
    data = nested_npy_header(depth, version)
    match = "negative size" if depth == 1 else "not a NumPy array file"
    with pytest.raises(DataFileError, match=match):
        parse_upload([("a.npy", data)])
    with pytest.raises(DataFileError, match=match):
        parse_upload([("a.npz", raw_zip([stored("X.npy", data)]))])


def test_two_columns_named_label_are_refused(raw_digits):
    # pandas renames the second "label" to "label.1", which read as a pixel: 8x8 images of the wrong pixels.
    X, y = raw_digits
    header = ["label", *(f"p{i}" for i in range(63)), "label"]
    with pytest.raises(DataFileError, match="2 columns named 'label'; keep one"):
        parse_upload([("a.csv", _csv(np.hstack([y[:, None], X[:, :63], y[:, None]]), header))])


def test_a_header_shorter_than_its_rows_is_refused(raw_digits):
    # pandas makes the extra first value of every row its index: 8x8 images missing a pixel each.
    X, y = raw_digits
    header = [f"p{i}" for i in range(64)]
    with pytest.raises(DataFileError, match="the header row names 64 columns, but line 2 has 65 values"):
        parse_upload([("a.csv", _csv(np.hstack([y[:, None], X]), header))])


@pytest.mark.parametrize("line_end", ["\r", "\r\n"])
@pytest.mark.parametrize("with_header", [True, False])
def test_a_csv_with_other_line_ends_reads_the_same(raw_digits, line_end, with_header):
    X, y = raw_digits
    header = ["label", *(f"p{i}" for i in range(64))] if with_header else None
    rows = np.hstack([y[:, None], X]) if with_header else X
    text = _csv(rows, header)
    images = parse_upload([("a.csv", text.replace(b"\n", line_end.encode()))])
    expected = parse_upload([("a.csv", text)])
    np.testing.assert_array_equal(images.X, expected.X)
    np.testing.assert_array_equal(images.X, X / 16.0)
    assert (images.y is None) == (not with_header)


@pytest.mark.parametrize("line_end", [b"\n", b"\r"])
def test_a_csv_that_is_not_utf8_is_refused_as_such(line_end):
    with pytest.raises(DataFileError, match=r"not a text CSV \(UTF-8\)"):
        parse_upload([("a.csv", "pixel\xe9,b".encode("latin1") + (line_end + b"1,2") * 60)])


@pytest.mark.parametrize(
    "make",
    [
        lambda: [("a.npz", _npz(X=np.zeros((100, 28, 28), dtype=np.uint8)))],
        lambda: [("a.npy", _npy(np.zeros((100, 784), dtype=bool)))],
        lambda: [("a.csv", _csv(np.zeros((100, 784), dtype=int)))],
        lambda: [(f"{i}.png", _png(np.zeros((28, 28)))) for i in range(100)],
    ],
)
def test_an_upload_is_sized_by_what_it_decodes_to(make):
    # 100 images of 28x28 are 0.6 MB as float64 pixels, however small the file that holds them.
    files = make()
    assert sum(len(data) for _, data in files) < 200_000
    decoded = 100 * 784 * 8
    with pytest.raises(DataFileError, match=r"holds 100 images of 28x28 pixels: 0\.6 MB as 64-bit numbers; "
                                            r"at most 0\.6 MB is accepted"):
        parse_upload(files, DataLimits(max_decoded_bytes=decoded - 1))
    assert parse_upload(files, DataLimits(max_decoded_bytes=decoded)).X.nbytes == decoded


def test_the_default_decoded_bound_holds_the_largest_images():
    limits = DataLimits()
    assert limits.max_decoded_bytes >= limits.max_rows * limits.max_side**2 * 8


# --------------------------------------------------------------------------- the split
def test_the_split_is_reproducible_and_stratified(raw_digits):
    images = parse_upload([("a.npz", _npz(X=raw_digits[0], y=raw_digits[1]))])
    first, again = split_images(images, 0.25, random_state=3), split_images(images, 0.25, random_state=3)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.X_test, split_images(images, 0.25, random_state=4).X_test)
    assert first.X_train.shape == (90, 64) and first.X_test.shape == (30, 64)
    # Stratified: every class keeps its share of the held-out set, to within one image.
    expected = np.bincount(images.y) * 0.25
    assert np.all(np.abs(np.bincount(first.y_test, minlength=10) - expected) <= 1)


def test_the_split_is_plain_without_labels_or_with_singleton_classes(raw_digits):
    X, y = raw_digits
    unlabelled = parse_upload([("a.npy", _npy(X))])
    split = split_images(unlabelled)
    assert split.y_train is None and split.y_test is None and split.X_test.shape == (24, 64)
    y = y.copy()
    y[0] = 99  # a class with one image cannot be stratified
    split = split_images(parse_upload([("a.npz", _npz(X=X, y=y))]))
    assert split.X_test.shape == (24, 64) and split.y_test.shape == (24,)
    with pytest.raises(ValueError, match="test_size"):
        split_images(unlabelled, 1.5)


def test_the_module_imports_no_dashboard_code():
    # Pure and unit-testable: NumPy, pandas, Pillow, scikit-learn, the core and the standard library.
    allowed = {"numpy", "pandas", "PIL", "sklearn", "vae_core", "__future__", *sys.stdlib_module_names}
    for node in ast.walk(ast.parse(Path(uploads.__file__).read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module]
        else:
            continue
        assert all(name.split(".")[0] in allowed for name in names), names
