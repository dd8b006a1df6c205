"""The queue's stored order: each document's place when the queue follows the model.

``Document.queue_rank`` is what the queue orders by (lowest first) when it follows the model
(``selectors.queue``): from the document's *shown prediction* (the newest ready version of
``project.suggestions_from``; none chosen: the imported prediction), its lowest span score
in ``uncertainty`` order, minus its highest in ``score`` order; empty when it has no scored
span. It is stored so that the queue reads one index instead of every document's spans per
request.

The invariant: **while a project's queue follows the model** (``queue_order`` other than
``id``), its documents' ranks are current for that order. Changing the order recomputes them
all, so in id order nobody pays for them. Every writer that changes what they come from calls
``queue_scores_refresh`` in its transaction (it does nothing in id order):

- ``projects.project_update``, when ``queue_order`` or ``suggestions_from`` changes;
- the import, after storing or attaching predictions (``ingest``);
- whatever writes a model version's predictions or makes a version ready (the recommenders):
  call ``queue_scores_refresh(project=..., documents=...)`` after writing them.

The "Occurrences" predictions (``services.occurrences``) carry no score, so they never change
a rank: a document with none scored is last in either order anyway.
"""

from collections.abc import Iterable

from annotations.models import Document, Project
from annotations.selectors.queue import queue_rank


def queue_scores_refresh(*, project: Project, documents: Iterable[int] | None = None) -> int:
    """Recompute the ranks of the project's documents (or of these); return how many.

    In one UPDATE; nothing while the queue is in id order.
    """
    rank = queue_rank(project=project)
    if rank is None:
        return 0
    rows = Document.objects.filter(project=project)
    if documents is not None:
        rows = rows.filter(pk__in=list(documents))
    return rows.update(queue_rank=rank)
