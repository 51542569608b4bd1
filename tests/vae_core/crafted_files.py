"""Files crafted as a hostile visitor could upload them: arrays, ``.npy`` headers, archives, a pickle.

Shared by the tests of the engine's safe reader (``vae_core.io``: tests/vae_core/test_io.py) and
of the uploads that read their arrays with it (tests/images/).
"""

import io
import struct
import zipfile
import zlib

import numpy as np

UNPICKLED = []  # a record of every Tripwire unpickled, in case something swallows its error


def _tripwire():
    UNPICKLED.append("a pickle was loaded")
    raise AssertionError("a pickle was loaded")


class Tripwire:
    """Unpickling this object records it in ``UNPICKLED`` and raises: a stand-in for arbitrary code."""

    def __reduce__(self):
        return (_tripwire, ())


def npy(array, allow_pickle=False):
    """The ``.npy`` bytes of ``array``."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_header(descr, shape, fortran_order=False):
    """A ``.npy`` (version 1.0) header declaring ``descr`` and ``shape``, without the data behind it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": fortran_order, "shape": shape})
    return buffer.getvalue()


def members(data):
    """The raw bytes of every member of a zip archive, by member name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_members(raw_members, compression=zipfile.ZIP_DEFLATED):
    """A zip archive of ``{name: raw bytes}``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, raw in raw_members.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


def raw_zip(entries):
    """A zip archive written byte by byte from ``(name, method, flags, stream, crc, size)`` entries.

    ``zipfile`` would not let a test lie about sizes, store a name twice or flag encryption.
    """
    out, central = bytearray(), bytearray()
    for name, method, flags, stream, crc, size in entries:
        encoded = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21, crc,
                               len(stream), size, len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(stream), size,
                           len(encoded), 0) + encoded + stream
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def stored(name, raw):
    """A :func:`raw_zip` entry holding ``raw`` uncompressed."""
    return (name, zipfile.ZIP_STORED, 0, raw, zlib.crc32(raw), len(raw))


def nested_npy_header(depth, version=(1, 0)):
    """A ``.npy`` header whose shape is ``(---...100, 64)``: ``depth`` unary minuses, nested that deep.

    NumPy parses a header as a Python literal; thousands of nested operators overflow Python's parser
    (a RecursionError, or on Python 3.11 a MemoryError) within NumPy's 10,000-character bound.
    """
    text = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "-" * depth + "100, 64), }"
    size_bytes = 2 if version == (1, 0) else 4
    text += " " * (-(len(text) + 6 + 2 + size_bytes + 1) % 64) + "\n"
    size = struct.pack("<H" if size_bytes == 2 else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text.encode("latin1")


def png_chunk(kind, data):
    """One PNG chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_chunks(png, before=(), after=()):
    """``png`` with extra chunks right after its header chunk (IHDR) and right before its end (IEND)."""
    header_end = 8 + 25  # the signature, then IHDR: length, type, 13 bytes, CRC
    return png[:header_end] + b"".join(before) + png[header_end:-12] + b"".join(after) + png[-12:]
