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


@dataclass
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


def looks_like_conll(text: str) -> bool:
    """Whether every non-blank line is ``token ... tag`` (or -DOCSTART-), with some entity."""
    lines = [line for line in text.splitlines() if line.strip()]
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
    """Read a CoNLL file's text into one record per document (see module doc)."""
    documents, widest = _documents(text)
    scheme = _scheme(documents)
    stem = PurePath(name).stem
    numbered = len(documents) > 1
    for number, document in enumerate(documents, start=1):
        external_id = f"{stem}-{number}" if numbered else stem
        if document.error:
            yield Record(line=document.line, external_id=external_id, error=document.error)
            continue
        record = _record(document, scheme, external_id)
        if number == 1:
            notes = [WARN_SCHEME.format(scheme=scheme)] if _has_entities(documents) else []
            if widest > 2:
                notes.append(WARN_MIDDLE_COLUMNS.format(last=widest - 1))
            record.warnings[:0] = notes
        yield record


def _columns(line: str) -> list[str]:
    return line.rstrip("\r\n").split("\t") if "\t" in line else line.split()


def _documents(text: str) -> tuple[list[_Document], int]:
    """Split the lines into documents of sentences of tokens; return them and the most columns."""
    documents: list[_Document] = []
    current: _Document | None = None
    sentence: list[_Token] = []
    widest = 0
    pending: list[str] = []  # notes on lines before the document they belong to
    for number, line in enumerate(text.splitlines(), start=1):
        columns = [column.strip() for column in _columns(line)]
        if _is_comment(line, columns):
            (current.notes if current is not None else pending).append(
                WARN_COMMENT.format(line=number)
            )
            continue
        if not line.strip() or columns[0] == DOCSTART:
            if sentence and current is not None:
                current.sentences.append(sentence)
            sentence = []
            if columns and columns[0] == DOCSTART:
                current = None
            continue
        if current is None:
            current = _Document(line=number, notes=pending)
            pending = []
            documents.append(current)
        widest = max(widest, len(columns))
        if len(columns) < 2:
            current.error = current.error or ERR_COLUMNS.format(line=number, text=line.strip())
            continue
        sentence.append(_Token(number, columns[0], columns[-1]))
    if sentence and current is not None:
        current.sentences.append(sentence)
    return [document for document in documents if document.sentences or document.error], widest


def _is_comment(line: str, columns: list[str]) -> bool:
    """A line starting with # that is not a token "#" and its tag (a comment of the writer)."""
    return line.startswith("#") and (len(columns) < 2 or not _TAG.match(columns[-1]))


def _scheme(documents: list[_Document]) -> str:
    begins_after_outside = False
    inside = False
    for document in documents:
        for sentence in document.sentences:
            previous = OUTSIDE
            for token in sentence:
                match = _TAG.match(token.tag)
                prefix, kind = match.groups() if match else (None, None)
                if prefix in ("E", "S", "L", "U"):
                    return BIOES
                if prefix == "B" and previous not in (f"B-{kind}", f"I-{kind}"):
                    begins_after_outside = True
                inside = inside or prefix == "I"
                previous = token.tag
    return IOB1 if inside and not begins_after_outside else IOB2


def _has_entities(documents: list[_Document]) -> bool:
    return any(
        token.tag != OUTSIDE
        for document in documents
        for sentence in document.sentences
        for token in sentence
    )


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
