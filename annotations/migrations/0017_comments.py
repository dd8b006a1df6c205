"""Comments (issue 15, item 4): threads on a document, a span or a stance, with mentions.

``m`` becomes the key that opens the selected item's thread: one key, one meaning, so a label
that had ``m`` (or ``M``) as its shortcut loses it (the label stays, with every span and
stance; a manager can give it a free key on the project's settings page).
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models


def clear_m_shortcuts(apps, schema_editor):
    Label = apps.get_model("annotations", "Label")
    Label.objects.filter(shortcut__in=["m", "M"]).update(shortcut="")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0016_agreement_per_label"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(clear_m_shortcuts, migrations.RunPython.noop, elidable=True),
        migrations.CreateModel(
            name="Comment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "target_caption",
                    models.CharField(
                        blank=True,
                        help_text='What the target was when the comment was written ("PER “Macron”").',
                        max_length=200,
                    ),
                ),
                ("body", models.TextField(help_text="Plain text, 1 to 5000 characters.")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("edited_at", models.DateTimeField(blank=True, null=True)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                (
                    "annotation",
                    models.ForeignKey(
                        blank=True,
                        help_text="Whose work it is about (the target's annotation, or an annotator's own); empty for a reviewer's or manager's note on the document.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="annotations.annotation",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="comments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="annotations.document",
                    ),
                ),
                (
                    "mentions",
                    models.ManyToManyField(
                        blank=True, related_name="comment_mentions", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "span",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="comments",
                        to="annotations.span",
                    ),
                ),
                (
                    "stance",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="comments",
                        to="annotations.stance",
                    ),
                ),
            ],
            options={
                "ordering": ["document_id", "created_at", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("resolved_at__isnull", True)),
                        fields=["document"],
                        name="comment_open_document_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("span__isnull", True), ("stance__isnull", True), _connector="OR"
                        ),
                        name="annotations_comment_one_target",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("span__isnull", True), ("stance__isnull", True)),
                            ("annotation__isnull", False),
                            _connector="OR",
                        ),
                        name="annotations_comment_target_has_annotation",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("resolved_at__isnull", True), ("resolved_by__isnull", True)),
                            models.Q(
                                ("resolved_at__isnull", False), ("resolved_by__isnull", False)
                            ),
                            _connector="OR",
                        ),
                        name="annotations_comment_resolved_by_whom",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            django.db.models.lookups.GreaterThanOrEqual(
                                django.db.models.functions.text.Length("body"), 1
                            ),
                            django.db.models.lookups.LessThanOrEqual(
                                django.db.models.functions.text.Length("body"), 5000
                            ),
                        ),
                        name="annotations_comment_body_length",
                    ),
                ],
            },
        ),
    ]
