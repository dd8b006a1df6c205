"""CoNLL / IOB: one token and its tag a line, the text rebuilt and the spans placed on it.

Invariants:
- Pure. The token is the first column and the tag the last (tab or space separated; a line
  with a tab is split on tabs only, so a token may hold spaces); columns between them (the
  part-of-speech and chunk tags of CoNLL-2003) are not read, and the report says so once.
- A line that starts with ``#`` and does not end in a tag is a comment: reported, not read.
- A blank line ends a sentence; a ``-DOCSTART-`` line ends a document. Without one, the file
  is one document. The text is the tokens joined by one space, sentences by a newline, so
  every span is exactly ``text[start:end]`` of the tokens it covers, in code points.
- The tagging scheme is read from the whole file: BIOES/BILOU when any ``E-``, ``S-``,
  ``L-`` or ``U-`` tag is there; IOB2 (BIO) when a ``B-`` begins an entity after ``O`` or
  another type; otherwise IOB1 (``I-`` begins entities, ``B-`` only splits two of the same
  type). A tag sequence the scheme does not allow (``I-`` after ``O`` in IOB2, ``E-``
  without ``B-``, an entity BIOES never closes) is reported with its line and read the way
  conlleval reads it; a tag that is not a tag is reported and read as ``O``.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from annotations.services.ingest.records import CODEPOINTS, RawSpan, Record

DOCSTART = "-DOCSTART-"
OUTSIDE = "O"
IOB1, IOB2, BIOES = "IOB1", "IOB2 (BIO)", "BIOES (BILOU)"
_TAG = re.compile(r"^(?:O|([BIESLU])-(\S+))$")
SPAN_KEY = "tags from line"

ERR_COLUMNS = "line {line}: expected a token and its tag, got one column {text!r}."
WARN_SCHEME = "Tags read as {scheme}."
WARN_MIDDLE_COLUMNS = (
    "Columns 2 to {last} (such as part-of-speech and chunk tags) are not imported; the token "
    "(first column) and the entity tag (last column) are."
)
WARN_NOT_A_TAG = (
    "line {line}: {tag!r} is not a tag (O, or B-/I-/E-/S-/L-/U- and a type); read as O."
)
WARN_INSIDE_WITHOUT_BEGIN = (
    "line {line}: {tag} follows {previous}, which {scheme} does not allow; read as the start "
    "of an entity."
)
WARN_END_WITHOUT_BEGIN = (
    "line {line}: {tag} follows {previous}, without a B- of its type; read as a one-token entity."
)
WARN_NOT_CLOSED = (
    "line {line}: the {kind} entity begun here is not closed by E-/L-; kept as tagged."
)
WARN_COMMENT = "line {line}: a comment (starts with #), not read."
WARN_TXT_IS_CONLL = (
    "This .txt file holds a token and its tag on every line: read as CoNLL, one document per "
    "-DOCSTART- (or the whole file)."
)


@dataclass(slots=True)
class _Token:
    line: int
    text: str
    tag: str  # "O", or "<prefix>-<type>"


@dataclass
class _Document:
    line: int
    sentences: list[list[_Token]] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # warnings about its lines
    widest: int = 0  # the most columns of its lines


def looks_like_conll(text: str) -> bool:
    """Whether every non-blank line is ``token ... tag`` (or -DOCSTART-), with some entity."""
    lines = [line for line in io.StringIO(text, newline="") if line.strip()]
    if len(lines) < 2:
        return False
    entities = 0
    for line in lines:
        columns = _columns(line)
        if columns[0] == DOCSTART:
            entities += 1
            continue
        if len(columns) < 2 or not _TAG.match(columns[-1]):
            return False
        entities += columns[-1] != OUTSIDE
    return entities > 0


def parse_conll(name: str, text: str) -> Iterator[Record]:
    """Read a CoNLL file's text into one record per document (see module doc).

    Two passes over the text, one document at a time: the first reads the scheme, the
    second the documents; memory holds the text and one document, whatever the file's size.
    """
    survey = _survey(_documents(text))
    stem = PurePath(name).stem
    for number, document in enumerate(_documents(text), start=1):
        external_id = f"{stem}-{number}" if survey.count > 1 else stem
        if document.error:
            yield Record(line=document.line, external_id=external_id, error=document.error)
            continue
        record = _record(document, survey.scheme, external_id)
        if number == 1:
            notes = [WARN_SCHEME.format(scheme=survey.scheme)] if survey.entities else []
            if survey.widest > 2:
                notes.append(WARN_MIDDLE_COLUMNS.format(last=survey.widest - 1))
            record.warnings[:0] = notes
        yield record


def _columns(line: str) -> list[str]:
    if "\t" in line:
        return [column.strip() for column in line.rstrip("\r\n").split("\t")]
    return line.split()


def _documents(text: str) -> Iterator[_Document]:
    """Split the lines into documents of sentences of tokens, yielding each when it ends."""
    current: _Document | None = None
    sentence: list[_Token] = []
    pending: list[str] = []  # notes on lines before the document they belong to
    # Lines end at LF, CR or CRLF, not at the other breaks str.splitlines knows (U+2028...),
    # which a token may hold; and StringIO spares a list of every line.
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        columns = _columns(line)
        if _is_comment(line, columns):
            (current.notes if current is not None else pending).append(
                WARN_COMMENT.format(line=number)
            )
            continue
        if not line.strip() or columns[0] == DOCSTART:
            if sentence and current is not None:
                current.sentences.append(sentence)
            sentence = []
            if columns and columns[0] == DOCSTART and current is not None:
                yield current
                current = None
            continue
        if current is None:
            current = _Document(line=number, notes=pending)
            pending = []
        current.widest = max(current.widest, len(columns))
        if len(columns) < 2:
            current.error = current.error or ERR_COLUMNS.format(line=number, text=line.strip())
            continue
        sentence.append(_Token(number, columns[0], columns[-1]))
    if current is not None:
        if sentence:
            current.sentences.append(sentence)
        yield current


def _is_comment(line: str, columns: list[str]) -> bool:
    """A line starting with # that is not a token "#" and its tag (a comment of the writer)."""
    return line.startswith("#") and (len(columns) < 2 or not _TAG.match(columns[-1]))


@dataclass
class _Survey:
    """What the whole file says: its scheme, widest line, whether it tags any entity."""

    scheme: str = IOB2
    widest: int = 0
    entities: bool = False
    count: int = 0  # documents


def _survey(documents: Iterator[_Document]) -> _Survey:
    survey = _Survey()
    bioes = begins_after_outside = inside = False
    for document in documents:
        survey.count += 1
        survey.widest = max(survey.widest, document.widest)
        for sentence in document.sentences:
            previous = OUTSIDE
            for token in sentence:
                match = _TAG.match(token.tag)
                prefix, kind = match.groups() if match else (None, None)
                bioes = bioes or prefix in ("E", "S", "L", "U")
                if prefix == "B" and previous not in (f"B-{kind}", f"I-{kind}"):
                    begins_after_outside = True
                inside = inside or prefix == "I"
                survey.entities = survey.entities or token.tag != OUTSIDE
                previous = token.tag
    if bioes:
        survey.scheme = BIOES
    elif inside and not begins_after_outside:
        survey.scheme = IOB1
    return survey


def _record(document: _Document, scheme: str, external_id: str) -> Record:
    """Rebuild the document's text and place its entities on it."""
    record = Record(line=document.line, external_id=external_id, offset_unit=CODEPOINTS)
    record.warnings.extend(document.notes)
    pieces: list[str] = []
    offset = 0
    for sentence in document.sentences:
        if pieces:
            pieces.append("\n")
            offset += 1
        places = []
        for position, token in enumerate(sentence):
            if position:
                pieces.append(" ")
                offset += 1
            places.append((offset, offset + len(token.text)))
            pieces.append(token.text)
            offset += len(token.text)
        for first, last, kind in _Decoder(scheme, record.warnings).entities(sentence):
            start, end = places[first][0], places[last][1]
            record.spans.append(RawSpan(SPAN_KEY, sentence[first].line, start, end, kind, None))
    record.text = "".join(pieces)
    for span in record.spans:
        span.text = record.text[span.start : span.end]
    return record


class _Decoder:
    """One sentence's tags into entities ``(first token, last token, type)``, as conlleval."""

    def __init__(self, scheme: str, warnings: list[str]) -> None:
        self.scheme = scheme
        self.warnings = warnings

    def entities(self, sentence: list[_Token]) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        open_at: int | None = None  # the first token of the entity being read
        open_kind = ""
        previous = OUTSIDE
        for index, token in enumerate(sentence):
            prefix, kind = self._read(token)
            if open_at is not None and kind == open_kind and prefix in ("I", "E", "L"):
                if prefix != "I":
                    found.append((open_at, index, kind))
                    open_at = None
                previous = token.tag
                continue
            self._close(sentence, open_at, index, open_kind, found)
            open_at = None
            if prefix in ("I", "E", "L") and (self.scheme != IOB1 or prefix != "I"):
                template = WARN_INSIDE_WITHOUT_BEGIN if prefix == "I" else WARN_END_WITHOUT_BEGIN
                self.warnings.append(
                    template.format(
                        line=token.line, tag=token.tag, previous=previous, scheme=self.scheme
                    )
                )
            if prefix in ("S", "U", "E", "L"):
                found.append((index, index, kind))
            elif prefix in ("B", "I"):
                open_at, open_kind = index, kind
            previous = token.tag
        self._close(sentence, open_at, len(sentence), open_kind, found)
        return found

    def _read(self, token: _Token) -> tuple[str | None, str]:
        match = _TAG.match(token.tag)
        if match is None:
            self.warnings.append(WARN_NOT_A_TAG.format(line=token.line, tag=token.tag))
            token.tag = OUTSIDE
            return None, ""
        prefix, kind = match.groups()
        return prefix, kind or ""

    def _close(
        self,
        sentence: list[_Token],
        open_at: int | None,
        end: int,
        kind: str,
        found: list[tuple[int, int, str]],
    ) -> None:
        """End the entity being read at the token before ``end`` (BIOES: it should have)."""
        if open_at is None:
            return
        if self.scheme == BIOES:
            self.warnings.append(WARN_NOT_CLOSED.format(line=sentence[open_at].line, kind=kind))
        found.append((open_at, end - 1, kind))
