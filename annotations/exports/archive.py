"""Files built whole before they leave: a spooled temporary file, and reproducible zips.

Formats that cannot be streamed line by line (Parquet, whose footer comes last; zips of one
file per document or per split) are built in a ``SpooledTemporaryFile``: in memory up to
``SPOOL_BYTES``, on disk beyond, so memory stays flat whatever the export's size. Zips are
reproducible: every member has the same fixed date and permissions and members come in the
order given, so the same rows give byte-identical zips (releases rely on it for their sha256).
A zip's comment names the release it was built for.
"""

import tempfile
import zipfile
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import IO

SPOOL_BYTES = 16 * 1024 * 1024
READ_BLOCK = 64 * 1024
# The earliest date a zip can hold: no build time leaks into the bytes.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
# A zip comment has at most 65,535 bytes.
COMMENT_MAX = 65535

# A member: its name in the zip and the chunks of its content.
Member = tuple[str, Iterable[str | bytes]]


@contextmanager
def spool() -> Iterator[IO[bytes]]:
    """A temporary file, in memory until it grows past SPOOL_BYTES, removed when done."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        yield out


def read_blocks(source: IO[bytes]) -> Iterator[bytes]:
    """Rewind the file and yield its bytes in blocks."""
    source.seek(0)
    while block := source.read(READ_BLOCK):
        yield block


def release_comment(release: str | None) -> str:
    """The zip comment of an export: the release it belongs to, if any."""
    return "" if release is None else f"release: {release}"


def zip_members(members: Iterable[Member], *, comment: str = "") -> Generator[bytes, None, None]:
    """Yield a reproducible zip (deflated) of the members, once all are written."""
    with spool() as out:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.comment = comment.encode()[:COMMENT_MAX]
            for name, chunks in members:
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with archive.open(info, "w", force_zip64=True) as member:
                    for chunk in chunks:
                        member.write(chunk.encode() if isinstance(chunk, str) else chunk)
        yield from read_blocks(out)
