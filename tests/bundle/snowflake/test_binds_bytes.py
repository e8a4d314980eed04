"""The compressed-size cap counts bytes, not characters: dense non-ASCII text under the cap in characters is over it."""

from __future__ import annotations

import random
import zlib

from mixpeek_snowflake.snowflake.binds import MAX_BOUND_BYTES, fits
from mixpeek_snowflake.sync.records import convert_page


def cjk(count: int, seed: int) -> str:
    """Random CJK ideographs: 3 UTF-8 bytes each, about 14 bits of entropy, so zlib keeps most of them."""
    chosen = random.Random(seed)
    return "".join(chr(chosen.randrange(0x4E00, 0x9FFF)) for _ in range(count))


def test_text_under_the_cap_in_characters_but_over_it_compressed_does_not_fit() -> None:
    text = cjk(500_000, 1)
    encoded = text.encode("utf-8")
    assert len(text) < MAX_BOUND_BYTES < len(zlib.compress(encoded, 6)) < len(encoded)
    assert not fits(text)


def test_a_four_byte_character_fits_four_bytes_and_not_three() -> None:
    assert fits("\U0001f600", 4)
    assert not fits("\U0001f600", 3)


def test_a_document_of_fewer_characters_than_the_cap_that_compresses_beyond_it_is_refused() -> None:
    body = cjk(400_000, 2)
    text = '{"body":"' + body + '","document_id":"cjk"}'
    size, packed = len(text.encode("utf-8")), len(zlib.compress(text.encode("utf-8"), 6))
    assert len(text) < 800_000 < packed
    page = convert_page([{"document_id": "cjk", "body": body}])
    assert page.rows_json == []
    assert [(r.document_id, r.reason) for r in page.rejects] == [
        (
            "cjk",
            f"document is {size} bytes, {packed} compressed; the sync stores documents of at most 800000 bytes "
            "compressed, so that its staging statement stays within Snowflake's 1 MB (a VARIANT holds 128 MB, but a "
            "larger bound statement cannot be retried)",
        )
    ]
