"""The quality page: each annotator against reviewed gold, agreement per label (span and
relation labels), consistency.

Reviewers and managers only (annotators work blind: they never see other people's figures).
The figures come from ``annotations.quality`` over ``selectors.quality``'s reads and from the
stored agreement totals; the page runs the same number of queries whatever the project's size.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from annotations import rules, selectors
from annotations.agreement_sums import counts_from_json, figures
from annotations.charts import AgreementBar, ScoreBar, agreement_chart, score_chart
from annotations.claim_agreement import claim_agreement
from annotations.quality import OVERALL, AnnotatorQuality, Tally, against_gold
from annotations.selectors.quality import RECENT_GOLD, gold_documents, label_consistency
from annotations.services import agreement as agreement_services
from annotations.views.base import AuthenticatedHttpRequest, reviewed_project

ANNOTATOR_COLOUR = "#3366cc"
SECONDS_PER_HOUR = 3600


@dataclass
class AnnotatorRow:
    """One annotator's line on the page: their comparison with gold and their pace."""

    quality: AnnotatorQuality
    stance: Tally  # over every target
    median_seconds: float | None
    per_hour: float | None  # documents an hour at the median pace


@login_required
@require_safe
def project_quality(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Per annotator against gold, agreement per label, labels used inconsistently."""
    project = reviewed_project(request, project_id)
    gold = gold_documents(project=project)
    compared = against_gold(gold.documents)
    pace = {
        person.username: person.median_seconds
        for person in selectors.annotator_progress(project=project)
    }
    rows = []
    for result in compared:
        seconds = pace.get(result.annotator)
        per_hour = SECONDS_PER_HOUR / seconds if seconds else None
        rows.append(AnnotatorRow(result, result.stance_overall, seconds, per_hour))
    totals = agreement_services.project_agreement_current(project=project)
    agreement = figures(counts_from_json(totals.counts))
    every_label = list(selectors.label_list(project=project))
    labels = [label for label in every_label if rules.takes_span_label(label.kind)]
    per_label = []
    for label in labels:
        shown = agreement["label_tokens"].get(label.name, {"units": 0, "alpha": None, "pairs": []})
        per_label.append((label, shown))
    per_relation = []
    for label in every_label:
        if rules.takes_relation_label(label.kind):
            shown = agreement["relation_labels"].get(
                label.name, {"units": 0, "alpha": None, "pairs": []}
            )
            f1 = agreement["relations"]["labels"].get(label.name, {}).get("f1")
            per_relation.append((label, shown, f1))
    context = {
        "project": project,
        "rows": rows,
        "gold": gold,
        "recent_gold": f"{RECENT_GOLD:,}",
        "f1_chart": agreement_chart(
            [
                AgreementBar(
                    row.quality.annotator,
                    ANNOTATOR_COLOUR,
                    row.quality.spans["exact"][OVERALL]["f1"],
                    row.quality.spans["overlap"][OVERALL]["f1"],
                )
                for row in rows
            ],
            title="Span F1 against reviewed gold, per annotator",
        ),
        "agreement": agreement,
        "per_label": per_label,
        "per_relation": per_relation,
        "alpha_chart": score_chart(
            [ScoreBar(label.name, label.color, shown["alpha"]) for label, shown in per_label],
            title="Krippendorff's alpha per label, on presence per token",
            chart_id="alpha-chart-title",
        ),
        "consistency": label_consistency(project=project),
        "attribute_agreement": selectors.attribute_agreement(project=project),
        "claim_agreement": claim_agreement(selectors.claim_judgements(project_id=project.pk)),
    }
    return render(request, "annotations/quality.html", context)
