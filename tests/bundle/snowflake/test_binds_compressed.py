"""Arrays split by their compressed size: rows that do not compress, with the expected arrays written out."""

from __future__ import annotations

import random
import zlib

from mixpeek_snowflake.snowflake.binds import chunk_rows, fits


def incompressible(count: int, seed: int) -> str:
    """A JSON string of random CJK characters: its UTF-8 compresses to more bytes than it has characters."""
    chosen = random.Random(seed)
    return '"' + "".join(chr(0x4E00 + chosen.randrange(20_000)) for _ in range(count)) + '"'


def zipped(text: str) -> int:
    return len(zlib.compress(text.encode("utf-8"), 6))


def test_text_of_exactly_max_bytes_characters_fits_whatever_it_compresses_to() -> None:
    text = incompressible(998, 1)
    assert len(text) == 1000 and zipped(text) > 1000
    assert fits(text, 1000)
    assert not fits(text, 999)


def test_text_compressing_to_exactly_max_bytes_fits() -> None:
    text = "a" * 5000
    size = zipped(text)
    assert size < 100
    assert fits(text, size)
    assert not fits(text, size - 1)


def test_two_rows_that_do_not_fit_together_go_alone() -> None:
    first, second = incompressible(400, 2), incompressible(400, 3)
    assert zipped(f"[{first},{second}]") > 700
    assert chunk_rows([first, second], max_chars=1_000_000, max_bytes=700) == [(f"[{first}]", 1), (f"[{second}]", 1)]


def test_an_array_too_large_compressed_is_halved() -> None:
    rows = [incompressible(200, seed) for seed in range(4)]
    assert zipped("[" + ",".join(rows) + "]") > 800 and len(f"[{rows[1]},{rows[2]},{rows[3]}]") <= 800
    assert chunk_rows(rows, max_chars=1_000_000, max_bytes=800) == [
        (f"[{rows[0]},{rows[1]}]", 2),
        (f"[{rows[2]},{rows[3]}]", 2),
    ]
