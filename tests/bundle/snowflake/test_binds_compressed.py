"""Arrays split by their compressed size: ASCII rows that compress poorly, with the expected arrays written out."""

from __future__ import annotations

import random
import string
import zlib

from mixpeek_snowflake.snowflake.binds import chunk_rows, fits

ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-./:;<=>?@[]^_{|}~"


def dense(count: int, seed: int) -> str:
    """A JSON string of random ASCII characters (one byte each), which zlib shrinks only a little."""
    chosen = random.Random(seed)
    return '"' + "".join(chosen.choice(ALPHABET) for _ in range(count)) + '"'


def zipped(text: str) -> int:
    return len(zlib.compress(text.encode("utf-8"), 6))


def test_short_text_fits_by_its_length_even_when_compressing_makes_it_longer() -> None:
    assert zipped("abcdefghij") > 10
    assert fits("abcdefghij", 10)
    assert not fits("abcdefghijk", 10)


def test_text_compressing_to_exactly_max_bytes_fits() -> None:
    text = "a" * 5000
    size = zipped(text)
    assert size < 100
    assert fits(text, size)
    assert not fits(text, size - 1)


def test_two_rows_that_do_not_fit_together_go_alone() -> None:
    first, second = dense(400, 2), dense(400, 3)
    assert zipped(f"[{first},{second}]") > 500
    assert chunk_rows([first, second], max_chars=1_000_000, max_bytes=500) == [(f"[{first}]", 1), (f"[{second}]", 1)]


def test_an_array_too_large_compressed_is_halved() -> None:
    rows = [dense(200, seed) for seed in range(4)]
    assert zipped("[" + ",".join(rows) + "]") > 450 and len(f"[{rows[2]},{rows[3]}]") <= 450
    assert chunk_rows(rows, max_chars=1_000_000, max_bytes=450) == [
        (f"[{rows[0]},{rows[1]}]", 2),
        (f"[{rows[2]},{rows[3]}]", 2),
    ]
