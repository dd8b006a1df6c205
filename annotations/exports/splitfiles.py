"""One file per split: the rows sorted into train/validation/test, then each rendered alone.

Rows arrive in document id order with the splits interleaved, and a file per split needs each
split's rows together: they are spooled per split (as JSON lines, in temporary files that stay
in memory up to ``archive.SPOOL_BYTES`` each), then each split's rows are rendered into its
members of one zip, in split order. Every split has its file, empty or not, so a reader can
count on ``train``, ``validation`` and ``test`` being there.
"""

import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import IO, Any

import orjson

from annotations.exports.archive import Member, read_blocks, release_comment, spool, zip_members
from annotations.exports.base import ExportOptions
from annotations.exports.splits import split_names

# A split's name and its rows -> the members that hold them in the zip.
MembersOf = Callable[[str, Iterator[dict[str, Any]]], Iterable[Member]]


def split_zip(
    rows: Iterable[dict[str, Any]],
    options: ExportOptions,
    members_of: MembersOf,
    preamble: Iterable[Member] = (),
) -> Generator[bytes, None, None]:
    """Yield a zip of the preamble, then each split's members."""
    assert options.split is not None
    names = split_names(options.split)
    with contextlib.ExitStack() as stack:
        spools = {name: stack.enter_context(spool()) for name in names}
        for row in rows:
            spools[row["split"]].write(orjson.dumps(row) + b"\n")

        def members() -> Iterator[Member]:
            yield from preamble
            for name in names:
                yield from members_of(name, _rows(spools[name]))

        yield from zip_members(members(), comment=release_comment(options.release))


def _rows(source: IO[bytes]) -> Iterator[dict[str, Any]]:
    pending = b""
    for block in read_blocks(source):
        lines = (pending + block).split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield orjson.loads(line)
