"""Writes to a project and what configures it: the project itself, members, labels, targets.

Every rule the database enforces (unique names and shortcuts, a #rrggbb colour, a valid kind
or role) is also checked here first, so a caller gets a field-named message instead of an
IntegrityError. Each write locks the project row first: two managers editing labels at the
same time queue on it, so the checks below cannot be raced on PostgreSQL (SQLite serialises
writers already).
"""

import re
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction

from annotations import rules, selectors
from annotations.errors import InvalidInput
from annotations.models import (
    Annotation,
    Document,
    Label,
    LabelGroup,
    LabelKind,
    Membership,
    Project,
    QueueOrder,
    Recommender,
    Role,
    StanceTarget,
)
from annotations.services import agreement
from annotations.services.builtins import label_builtins_sync
from annotations.services.guidelines import guidelines_record
from annotations.services.label_attributes import label_attributes_replace
from annotations.services.queue_scores import queue_scores_refresh
from annotations.text import bidi_control_error
from annotations.wording import with_article

NAME_REQUIRED = "A name is required."
NAME_TOO_LONG = "A name has at most {limit} characters."
TEXT_INVALID = "This must be text (it may be empty)."
ANNOTATORS_PER_DOCUMENT_INVALID = "Each document needs at least 1 annotator."
MAX_OPEN_INVALID = "An annotator must be able to hold at least 1 unfinished document."
RELEASE_AFTER_INVALID = "Work is released after a whole number of hours, at least 1."
ALLOW_OVERLAP_INVALID = "allow_overlap is true or false."
QUEUE_ORDER_INVALID = "'{value}' is not a queue order; choose one of: {choices}."
OVERLAPS_EXIST = (
    '{count} document(s) hold overlapping spans of one kind, which "no overlap" forbids; '
    "remove the overlaps first, then change the rule. Documents: {documents}."
)
OVERLAPS_MORE = " and {more} more"
FIELD_NOT_EDITABLE = "'{field}' cannot be changed here."
ROLE_INVALID = "'{role}' is not a role; choose one of: {choices}."
LAST_MANAGER = (
    "A project needs at least one manager: make someone else manager before removing "
    "or demoting {username}."
)
NOT_A_MEMBER = "{username} is not a member of this project."
LABEL_NAME_TAKEN = "This project already has a label named '{name}'."
LABEL_KIND_INVALID = "'{kind}' is not a label kind; choose one of: {choices}."
LABEL_KIND_IN_USE = (
    "Label {name} is used by {count} span(s), stance(s) or relation(s); its kind cannot "
    "change. Create a new label instead."
)
ENDPOINT_KIND_INVALID = "'{value}' is not a kind of span; choose one of: {choices}, or ''."
ENDPOINT_KIND_NOT_RELATION = "Only relation labels say which kind of span they link."
ENDPOINT_KIND_IN_USE = (
    "Label {name} is used by {count} relation(s); which kind of span it links cannot change. "
    "Create a new label instead."
)
COLOR_INVALID = "A colour is written #rrggbb, for example #1f77b4; got '{color}'."
SHORTCUT_INVALID = "A shortcut is exactly one printable, non-space character; got '{shortcut}'."
SHORTCUT_TAKEN = "Shortcut '{shortcut}' is already used by label {name}."
SHORTCUT_RESERVED = (
    "'{shortcut}' is already a key of the annotate and review pages ({meaning}); choose "
    "another (these are taken, in either case: {reserved})."
)
GROUP_REQUIRED = (
    "A document label is chosen in a label group: give its group (create one under "
    "Document label groups first)."
)
GROUP_ONLY_DOCUMENT = "Only document labels belong to a label group; this is {a_kind} label."
GROUP_NOT_IN_PROJECT = "Label group {value} is not a label group of this project."
LABEL_GIVEN_TO_DOCUMENTS = (
    "Label {name} is given to {count} document(s) (gold and predictions included); it cannot "
    "be deleted or change its kind while it is. Rename it, or take it off those first."
)
TARGET_NAME_TAKEN = "This project already has a stance target named '{name}'."
LABEL_IN_USE = (
    "Label {name} is used by {spans} span(s), {stances} stance(s) and {relations} relation(s) "
    "(predictions and gold included); it cannot be deleted while they exist. Rename it, or "
    "delete those first."
)
TARGET_IN_USE = (
    "Stance target {name} is used by {stances} stance(s); it cannot be deleted while they exist."
)

# CharFields: max_length is always set (the stubs allow None for any field).
PROJECT_NAME_MAX = cast(int, Project._meta.get_field("name").max_length)
LABEL_NAME_MAX = cast(int, Label._meta.get_field("name").max_length)
TARGET_NAME_MAX = cast(int, StanceTarget._meta.get_field("name").max_length)
LICENCE_MAX = cast(int, Project._meta.get_field("licence").max_length)
SHOW_SUGGESTIONS_INVALID = "show_suggestions is true or false."
SUGGESTIONS_FROM_INVALID = (
    "suggestions_from is the id of one of this project's recommenders, or null for the "
    "imported predictions; {value} is not."
)
LICENCE_TOO_LONG = "A licence has at most {limit} characters; put the full text in the citation."

# A project's settings, in the order forms show them: what project_update may change.
PROJECT_SETTINGS = (
    "name",
    "description",
    "guidelines",
    "allow_overlap",
    "sentence_units",
    "show_suggestions",
    "suggestions_from",
    "annotators_per_document",
    "max_open_per_annotator",
    "release_after_hours",
    "queue_order",
    "licence",
    "citation",
)
PROJECT_FIELDS = frozenset(PROJECT_SETTINGS)
# The settings the queue's stored figures depend on (services.queue_scores).
QUEUE_SCORE_SOURCES = frozenset({"queue_order", "suggestions_from", "suggestions_from_id"})
LABEL_FIELDS = frozenset(
    {"name", "kind", "color", "shortcut", "description", "group", "source_kind", "target_kind"}
)
TARGET_FIELDS = frozenset({"name", "description"})

COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")

# The one-key commands of the annotate and review pages, which a label's shortcut would
# shadow, and what each does (for the refusal). static/annotations/keys.js declares them
# (RESERVED_KEYS, from its keyboard map); tests/browser/test_keys_js.py holds the keys equal.
# One key, one meaning: the letters that act only with a claim selected or a target active
# are reserved too, so a label key never means two things. Shortcuts are compared
# case-insensitively (the pages take a letter in either case: Shift+p is p).
RESERVED_SHORTCUTS: dict[str, str] = {
    "?": "show the help",
    "[": "select the previous highlight",
    "]": "select the next highlight",
    "{": "select the previous disagreement",
    "}": "select the next disagreement",
    ",": "show the previous review lane",
    ".": "show the next review lane",
    "0": "no stance for the active target",
    **{digit: f"activate stance target {digit}" for digit in "123456789"},
    "y": "check-worthy: yes",
    "n": "check-worthy: no",
    "u": "check-worthy: unsure",
    "k": "pick the claimant",
    "r": "open the claim record",
    "j": "focus the next sentence",
    "h": "pick the stance holder",
    "e": "use the selection as evidence",
    "g": "open the guidelines",
    "m": "open the comments of the selected item",
    "s": "accept the selected suggestion",
    "x": "reject the selected suggestion",
    "=": "accept every suggestion of the selected suggestion's label",
    "+": "accept every suggestion of the document",
    "*": "mark every occurrence of the selected highlight",
    "i": "show the matches of the selected claim",
}

# Distinct, readable on white, and kind to the common colour-vision deficiencies (the
# Okabe-Ito and Tableau-10 families). New labels take the first one the project lacks.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#bab0ac",
)


# --- Projects -----------------------------------------------------------------------------


def project_create(
    *,
    name: str,
    creator: User,
    description: str = "",
    guidelines: str = "",
    allow_overlap: bool = False,
    sentence_units: bool = False,
    show_suggestions: bool = True,
    annotators_per_document: int = 1,
    max_open_per_annotator: int = 5,
    release_after_hours: int = 24,
    queue_order: str = QueueOrder.ID,
    licence: str = "",
    citation: str = "",
) -> Project:
    """Create a project and make its creator its manager."""
    project = Project(
        name=_strip(name),
        description=description,
        guidelines=guidelines,
        allow_overlap=allow_overlap,
        sentence_units=sentence_units,
        show_suggestions=show_suggestions,
        annotators_per_document=annotators_per_document,
        max_open_per_annotator=max_open_per_annotator,
        release_after_hours=release_after_hours,
        queue_order=queue_order,
        licence=licence,
        citation=citation,
        created_by=creator,
    )
    with transaction.atomic():
        _raise_if(project_errors(project))
        project.save()
        Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
        guidelines_record(project=project, actor=creator)
    return project


def project_update(*, project: Project, actor: User | None = None, **fields: Any) -> Project:
    """Change a project's name, description, guidelines or annotation settings.

    Changed guidelines become a new version (``services.guidelines``), made by ``actor``.
    """
    _raise_if(_unknown_fields(fields, PROJECT_FIELDS))
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if "name" in fields:
            fields["name"] = _strip(fields["name"])
        allowed_overlap = project.allow_overlap
        if "suggestions_from" in fields:
            fields["suggestions_from"] = _recommender(project, fields["suggestions_from"])
        for field, value in fields.items():
            setattr(project, field, value)
        _raise_if(project_errors(project))
        if allowed_overlap and project.allow_overlap is False:
            _raise_if(_overlap_errors(project))
        if fields:
            project.save(update_fields=list(fields))
        if "guidelines" in fields:
            guidelines_record(project=project, actor=actor)
        if fields.keys() & QUEUE_SCORE_SOURCES:
            queue_scores_refresh(project=project)
    return project


def _overlap_errors(project: Project) -> dict[str, list[str]]:
    # The spans already stored would break the rule the project is about to enforce.
    found = selectors.documents_with_overlaps(project=project)
    if not found["count"]:
        return {}
    named = ", ".join(
        f"{pk} ({external_id})" if external_id else str(pk)
        for pk, external_id in found["documents"]
    )
    more = found["count"] - len(found["documents"])
    if more:
        named += OVERLAPS_MORE.format(more=more)
    return {"allow_overlap": [OVERLAPS_EXIST.format(count=found["count"], documents=named)]}


def project_delete(*, project: Project) -> None:
    """Delete the project with everything in it: members, labels, documents and their work."""
    with transaction.atomic():
        # Lock what new rows would point at before the cascade lists what to delete: the
        # project (new documents, labels, members), its documents (new annotations) and their
        # annotations (new spans, stances, events). A write already under way finishes first
        # and is deleted with the rest; one that starts later waits and then finds nothing.
        # Without these locks a span committed mid-cascade fails the whole delete at COMMIT
        # (PostgreSQL checks the foreign keys there). Accounts stay: authors are never deleted.
        _lock(project.pk)
        list(Document.objects.select_for_update().filter(project=project).values_list("pk"))
        list(
            Annotation.objects.select_for_update(of=("self",))
            .filter(document__project=project)
            .values_list("pk")
        )
        Project.objects.filter(pk=project.pk).delete()


def project_errors(project: Project) -> dict[str, list[str]]:
    """Return what is wrong with this project's settings as field -> messages."""
    errors = _name_errors(project.name, PROJECT_NAME_MAX)
    errors |= _text_errors(project, "description", "guidelines", "licence", "citation")
    if isinstance(project.licence, str) and len(project.licence) > LICENCE_MAX:
        errors["licence"] = [LICENCE_TOO_LONG.format(limit=LICENCE_MAX)]
    for field, message in (
        ("annotators_per_document", ANNOTATORS_PER_DOCUMENT_INVALID),
        ("max_open_per_annotator", MAX_OPEN_INVALID),
        ("release_after_hours", RELEASE_AFTER_INVALID),
    ):
        count = getattr(project, field)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            errors[field] = [message]
    if not isinstance(project.allow_overlap, bool):
        errors["allow_overlap"] = [ALLOW_OVERLAP_INVALID]
    if not isinstance(project.show_suggestions, bool):
        errors["show_suggestions"] = [SHOW_SUGGESTIONS_INVALID]
    source = project.suggestions_from
    if source is not None and (project.pk is None or source.project_id != project.pk):
        errors["suggestions_from"] = [SUGGESTIONS_FROM_INVALID.format(value=source.pk)]
    if project.queue_order not in QueueOrder.values:
        errors["queue_order"] = [
            QUEUE_ORDER_INVALID.format(value=project.queue_order, choices=", ".join(QueueOrder))
        ]
    return errors


def _recommender(project: Project, value: object) -> Recommender | None:
    """The project's recommender a setting names (by id or instance), or None for imported."""
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, Recommender) else value
    found = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        found = Recommender.objects.filter(project=project, pk=pk).first()
    if found is None:
        _raise_if({"suggestions_from": [SUGGESTIONS_FROM_INVALID.format(value=pk)]})
    return found


# --- Members ------------------------------------------------------------------------------


def membership_set(*, project: Project, user: User, role: str) -> Membership:
    """Add the user to the project with this role, or change the role they have."""
    with transaction.atomic():
        _lock(project.pk)
        _raise_if(membership_errors(project=project, user=user, role=role))
        membership, created = Membership.objects.get_or_create(
            project=project, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
        return membership


def membership_remove(*, project: Project, user: User) -> None:
    """Take the user out of the project; the last manager cannot be removed."""
    with transaction.atomic():
        _lock(project.pk)
        membership = Membership.objects.filter(project=project, user=user).first()
        if membership is None:
            raise InvalidInput({"user": [NOT_A_MEMBER.format(username=user.get_username())]})
        if membership.role == Role.MANAGER:
            _raise_if(_last_manager_errors(project, user))
        membership.delete()


def membership_errors(*, project: Project, user: User, role: str) -> dict[str, list[str]]:
    """Return what is wrong with giving the user this role in the project."""
    if role not in Role.values:
        return {"role": [ROLE_INVALID.format(role=role, choices=", ".join(Role.values))]}
    if role != Role.MANAGER and project.pk is not None:
        current = (
            Membership.objects.filter(project=project, user=user)
            .values_list("role", flat=True)
            .first()
        )
        if current == Role.MANAGER:
            return _last_manager_errors(project, user)
    return {}


def _last_manager_errors(project: Project, user: User) -> dict[str, list[str]]:
    others = Membership.objects.filter(project=project, role=Role.MANAGER).exclude(user=user)
    if others.exists():
        return {}
    return {"role": [LAST_MANAGER.format(username=user.get_username())]}


# --- Labels -------------------------------------------------------------------------------


def label_create(
    *,
    project: Project,
    name: str,
    kind: str,
    color: str | None = None,
    shortcut: str = "",
    description: str = "",
    group: LabelGroup | int | None = None,
    source_kind: str = "",
    target_kind: str = "",
    attributes: object = None,
) -> Label:
    """Add a label to the project; without a colour it gets one the project does not use.

    A document label names its ``group`` (a LabelGroup of the project, or its id).
    ``source_kind`` / ``target_kind``: a relation label's kinds of span at each end;
    ``attributes``: the label's attribute declarations (label_attributes_replace).
    """
    with transaction.atomic():
        _lock(project.pk)
        label = Label(
            project=project,
            name=_strip(name),
            kind=kind,
            color=_next_color(project) if color is None else _lower(color),
            shortcut=shortcut,
            description=description,
            source_kind=source_kind,
            target_kind=target_kind,
        )
        errors = _group_set(label, group)
        _raise_if(label_errors(label) | errors)
        label.save()
        if attributes is not None:
            label_attributes_replace(label=label, declared=attributes)
        label_builtins_sync(label=label)
    return label


def label_update(*, label: Label, **fields: Any) -> Label:
    """Change a label's name, kind, colour, shortcut, description or attributes.

    ``attributes`` replaces the whole list of the label's attribute declarations.
    """
    declared = fields.pop("attributes", None)
    _raise_if(_unknown_fields(fields, LABEL_FIELDS))
    with transaction.atomic():
        _lock(label.project_id)
        label = Label.objects.get(pk=label.pk)
        if "name" in fields:
            fields["name"] = _strip(fields["name"])
        renamed = "name" in fields and fields["name"] != label.name
        if "color" in fields:
            fields["color"] = _lower(fields["color"])
        group_errors = {}
        if "group" in fields:
            group_errors = _group_set(label, fields.pop("group"))
            fields["group_id"] = label.group_id
        for field, value in fields.items():
            setattr(label, field, value)
        _raise_if(label_errors(label) | group_errors)
        if fields:
            label.save(update_fields=list(fields))
        if "kind" in fields:
            label_builtins_sync(label=label)
        redeclared = declared is not None and label_attributes_replace(
            label=label, declared=declared
        )
        if renamed or redeclared:
            # The stored agreement counts by name (and by attribute): it is computed again
            # on its next read.
            agreement.project_agreement_forget(project_id=label.project_id)
    return label


def label_errors(label: Label) -> dict[str, list[str]]:
    """Return what is wrong with this label, unsaved or changed, as field -> messages."""
    errors = _name_errors(label.name, LABEL_NAME_MAX)
    errors |= _text_errors(label, "description")
    others = Label.objects.filter(project_id=label.project_id).exclude(pk=label.pk)
    if label.project_id is None:
        # A project being created in the same form has no labels yet.
        others = Label.objects.none()
    if "name" not in errors and others.filter(name=label.name).exists():
        errors["name"] = [LABEL_NAME_TAKEN.format(name=label.name)]
    if label.kind not in LabelKind.values:
        choices = ", ".join(LabelKind.values)
        errors["kind"] = [LABEL_KIND_INVALID.format(kind=label.kind, choices=choices)]
    elif label.pk is not None:
        errors.update(_kind_change_errors(label))
    if "group" not in errors:
        errors.update(_group_errors(label))
    errors.update(_endpoint_kind_errors(label))
    if not isinstance(label.color, str) or not COLOR_RE.fullmatch(label.color):
        errors["color"] = [COLOR_INVALID.format(color=label.color)]
    shortcut = label.shortcut
    if shortcut != "":
        if not _is_shortcut(shortcut):
            errors["shortcut"] = [SHORTCUT_INVALID.format(shortcut=shortcut)]
        elif message := _shortcut_taken(shortcut, others):
            errors["shortcut"] = [message]
    return errors


def _shortcut_taken(shortcut: str, others: Any) -> str | None:
    meaning = RESERVED_SHORTCUTS.get(shortcut.lower())
    if meaning is not None:
        reserved = " ".join(sorted(RESERVED_SHORTCUTS))
        return SHORTCUT_RESERVED.format(shortcut=shortcut, meaning=meaning, reserved=reserved)
    # Both cases listed rather than iexact: SQLite's case folding is ASCII-only.
    cases = {shortcut, shortcut.lower(), shortcut.upper()}
    holder = others.filter(shortcut__in=cases).values_list("name", flat=True).first()
    if holder is None:
        return None
    return SHORTCUT_TAKEN.format(shortcut=shortcut, name=holder)


def label_delete(*, label: Label) -> None:
    """Delete a label no span or stance uses; one in use is refused, saying how many use it."""
    with transaction.atomic():
        _lock(label.project_id)
        spans, stances = label.spans.count(), label.stances.count()
        relations = label.relations.count()
        if spans or stances or relations:
            message = LABEL_IN_USE.format(
                name=label.name, spans=spans, stances=stances, relations=relations
            )
            raise InvalidInput({"label": [message]})
        given = label.document_labels.count()
        if given:
            message = LABEL_GIVEN_TO_DOCUMENTS.format(name=label.name, count=given)
            raise InvalidInput({"label": [message]})
        label.delete()


def _kind_change_errors(label: Label) -> dict[str, list[str]]:
    # Spans need an entity or claim label and stances a stance label: a kind change under
    # existing annotations would break that silently.
    stored_kind = Label.objects.filter(pk=label.pk).values_list("kind", flat=True).first()
    if stored_kind is None or stored_kind == label.kind:
        return {}
    count = label.spans.count() + label.stances.count() + label.relations.count()
    if count:
        return {"kind": [LABEL_KIND_IN_USE.format(name=label.name, count=count)]}
    given = label.document_labels.count()
    if given:
        return {"kind": [LABEL_GIVEN_TO_DOCUMENTS.format(name=label.name, count=given)]}
    return {}


def _group_set(label: Label, group: object) -> dict[str, list[str]]:
    """Point the label at ``group`` (a LabelGroup, its id, or None), looked up in its project."""
    if group is None:
        label.group = None
        return {}
    pk = group.pk if isinstance(group, LabelGroup) else group
    found = None
    if type(pk) is int and label.project_id is not None:
        found = LabelGroup.objects.filter(project_id=label.project_id, pk=pk).first()
    if found is None:
        label.group = None
        return {"group": [GROUP_NOT_IN_PROJECT.format(value=pk)]}
    label.group = found
    return {}


def _group_errors(label: Label) -> dict[str, list[str]]:
    # The database refuses both (annotations_label_group_iff_document): said here first.
    if label.kind == LabelKind.DOCUMENT and label.group_id is None:
        return {"group": [GROUP_REQUIRED]}
    if label.kind != LabelKind.DOCUMENT and label.group_id is not None:
        return {"group": [GROUP_ONLY_DOCUMENT.format(a_kind=with_article(label.kind))]}
    return {}


def _endpoint_kind_errors(label: Label) -> dict[str, list[str]]:
    """A relation label's end kinds: known kinds of span, on relation labels only, and fixed
    once relations use the label (they were checked against the kinds they had)."""
    errors: dict[str, list[str]] = {}
    choices = ", ".join(rules.RELATION_ENDPOINT_KINDS)
    for field in ("source_kind", "target_kind"):
        value = getattr(label, field)
        if value == "":
            continue
        if value not in rules.RELATION_ENDPOINT_KINDS:
            errors[field] = [ENDPOINT_KIND_INVALID.format(value=value, choices=choices)]
        elif not rules.takes_relation_label(label.kind):
            errors[field] = [ENDPOINT_KIND_NOT_RELATION]
    if errors or label.pk is None:
        return errors
    stored = Label.objects.filter(pk=label.pk).values_list("source_kind", "target_kind").first()
    if stored is not None and stored != (label.source_kind, label.target_kind):
        count = label.relations.count()
        if count:
            message = ENDPOINT_KIND_IN_USE.format(name=label.name, count=count)
            changed = "source_kind" if stored[0] != label.source_kind else "target_kind"
            errors[changed] = [message]
    return errors


def _is_shortcut(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == 1 and value.isprintable() and not value.isspace()
    )


def _next_color(project: Project) -> str:
    used = {
        c.lower() for c in Label.objects.filter(project=project).values_list("color", flat=True)
    }
    for color in PALETTE:
        if color not in used:
            return color
    # Every palette colour is taken: cycle, so neighbours in creation order still differ.
    return PALETTE[len(used) % len(PALETTE)]


# --- Stance targets -----------------------------------------------------------------------


def target_create(*, project: Project, name: str, description: str = "") -> StanceTarget:
    """Add a stance target (what a stance is about) to the project."""
    with transaction.atomic():
        _lock(project.pk)
        target = StanceTarget(
            project=project,
            name=_strip(name),
            description=description,
        )
        _raise_if(target_errors(target))
        target.save()
    return target


def target_update(*, target: StanceTarget, **fields: Any) -> StanceTarget:
    """Change a stance target's name or description."""
    _raise_if(_unknown_fields(fields, TARGET_FIELDS))
    with transaction.atomic():
        _lock(target.project_id)
        target = StanceTarget.objects.get(pk=target.pk)
        if "name" in fields:
            fields["name"] = _strip(fields["name"])
        renamed = "name" in fields and fields["name"] != target.name
        for field, value in fields.items():
            setattr(target, field, value)
        _raise_if(target_errors(target))
        if fields:
            target.save(update_fields=list(fields))
        if renamed:
            # The stored agreement counts by name: it is computed again on its next read.
            agreement.project_agreement_forget(project_id=target.project_id)
    return target


def target_delete(*, target: StanceTarget) -> None:
    """Delete a stance target no stance uses; one in use is refused, saying how many use it."""
    with transaction.atomic():
        _lock(target.project_id)
        stances = target.stances.count()
        if stances:
            raise InvalidInput(
                {"target": [TARGET_IN_USE.format(name=target.name, stances=stances)]}
            )
        target.delete()


def target_errors(target: StanceTarget) -> dict[str, list[str]]:
    """Return what is wrong with this stance target as field -> messages."""
    errors = _name_errors(target.name, TARGET_NAME_MAX)
    errors |= _text_errors(target, "description")
    if "name" not in errors and target.project_id is not None:
        others = StanceTarget.objects.filter(project_id=target.project_id).exclude(pk=target.pk)
        if others.filter(name=target.name).exists():
            errors["name"] = [TARGET_NAME_TAKEN.format(name=target.name)]
    return errors


# --- Shared -------------------------------------------------------------------------------


def _lock(project_id: int) -> None:
    # select_for_update is a no-op on SQLite, whose IMMEDIATE transactions already serialise.
    Project.objects.select_for_update().filter(pk=project_id).values_list("pk").first()


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _name_errors(name: Any, limit: int) -> dict[str, list[str]]:
    if not isinstance(name, str) or not name.strip():
        return {"name": [NAME_REQUIRED]}
    if len(name) > limit:
        return {"name": [NAME_TOO_LONG.format(limit=limit)]}
    if bidi := bidi_control_error(name, field="name"):
        return {"name": [bidi]}
    return {}


def _text_errors(obj: Any, *fields: str) -> dict[str, list[str]]:
    return {field: [TEXT_INVALID] for field in fields if not isinstance(getattr(obj, field), str)}


def _unknown_fields(fields: dict[str, Any], allowed: frozenset[str]) -> dict[str, list[str]]:
    return {
        field: [FIELD_NOT_EDITABLE.format(field=field)] for field in fields if field not in allowed
    }


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidInput(errors)
