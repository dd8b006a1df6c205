"""The four-column CoNLL-2003 layout: ``token POS chunk NER``, separated by single spaces.

What the CoNLL-2003 files (and readers written for them, such as the Hugging Face
``conll2003`` loader, which splits each line on spaces and takes the fourth column as the NER
tag) expect: ``-DOCSTART- -X- -X- O`` and a blank line before each document, one token per
line, a blank line after each sentence. We have no part-of-speech or chunk tags: token lines
carry ``_`` in both columns (CoNLL's "no value"; ``-X-`` stays on the ``-DOCSTART-`` line, as in
the original files). Tokens hold no space (whitespace is never a token), so each line splits
into exactly four fields. NER tags are IOB2 (BIO), as the Hugging Face copy of CoNLL-2003 has
them. Tokens, sentences and the entities left out are the ``conll`` export's (``conll.py``).
"""

from collections.abc import Generator, Iterable
from typing import Any

from annotations.exports.base import ExportOptions, ExportReport
from annotations.exports.conll import render_lines

NO_TAG = "_"


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[str, None, None]:
    """Yield one block per row: the -DOCSTART- line, then its sentences in four columns."""
    return render_lines(rows, report, f"{{token}} {NO_TAG} {NO_TAG} {{tag}}\n")
