"""Test factories: the one place tests build rows."""

import hashlib

import factory
from django.contrib.auth import get_user_model

from annotations.models import (
    Annotation,
    Document,
    DocumentLabel,
    ImportJob,
    Label,
    LabelAttribute,
    LabelGroup,
    Membership,
    Project,
    Relation,
    Release,
    ReleaseFile,
    ReleaseFileChunk,
    Span,
    Stance,
    StanceTarget,
)
from annotations.services.annotating.claimants import claimant_set
from annotations.services.annotating.stance_links import stance_links_set
from annotations.services.builtins import label_builtins_sync

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = "annotator"


class LabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Label

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"L{n}")
    kind = "entity"
    color = "#3366cc"

    @factory.post_generation
    def builtins(self, create: bool, extracted: object, **kwargs: object) -> None:
        # A claim label declares the built-in attributes, as label_create makes it.
        if create:
            label_builtins_sync(label=self)


class StanceTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StanceTarget

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Target {n}")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    project = factory.SubFactory(ProjectFactory)
    text = factory.Sequence(lambda n: f"Document number {n}: Keita met Macron in Bamako.")
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.text.encode()).hexdigest())


class AnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Annotation

    document = factory.SubFactory(DocumentFactory)
    author = factory.SubFactory(UserFactory)
    kind = "manual"


class SpanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Span

    annotation = factory.SubFactory(AnnotationFactory)
    label = factory.SubFactory(
        LabelFactory, project=factory.SelfAttribute("..annotation.document.project")
    )
    start = 0
    end = 8
    text = factory.LazyAttribute(lambda o: o.annotation.document.text[o.start : o.end])

    @classmethod
    def _create(cls, model_class, *args, claimant=None, **kwargs):
        # A claimant is a built-in relation, written once the claim exists (as the services do).
        span = super()._create(model_class, *args, **kwargs)
        if claimant is not None:
            claimant_set(claim=span, claimant=claimant)
        return span


class StanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stance

    annotation = factory.SubFactory(AnnotationFactory)
    target = factory.SubFactory(
        StanceTargetFactory, project=factory.SelfAttribute("..annotation.document.project")
    )
    label = factory.SubFactory(
        LabelFactory, project=factory.SelfAttribute("..annotation.document.project"), kind="stance"
    )

    @classmethod
    def _create(cls, model_class, *args, holder=None, evidence=None, **kwargs):
        # The holder and evidence are built-in relations, written once the stance exists (as
        # the services do).
        stance = super()._create(model_class, *args, **kwargs)
        if holder is not None or evidence is not None:
            stance_links_set(stance=stance, holder=holder, evidence=evidence)
        return stance


class LabelGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelGroup

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"group{n}")


class DocumentLabelKindFactory(LabelFactory):
    """A document label, in a group of its project."""

    kind = "document"
    group = factory.SubFactory(LabelGroupFactory, project=factory.SelfAttribute("..project"))


class LabelAttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelAttribute

    label = factory.SubFactory(LabelFactory)
    name = factory.Sequence(lambda n: f"attr{n}")
    type = "text"


class RelationFactory(factory.django.DjangoModelFactory):
    """A relation between two spans of one annotation (give ``source`` and ``target``)."""

    class Meta:
        model = Relation

    annotation = factory.SelfAttribute("source.annotation")
    label = factory.SubFactory(
        LabelFactory,
        project=factory.SelfAttribute("..annotation.document.project"),
        kind="relation",
    )


class DocumentLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentLabel

    annotation = factory.SubFactory(AnnotationFactory)
    label = factory.SubFactory(
        DocumentLabelKindFactory, project=factory.SelfAttribute("..annotation.document.project")
    )


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"release {n}")
    status = "ready"
    formats = factory.LazyFunction(lambda: ["jsonl"])


class ReleaseFileFactory(factory.django.DjangoModelFactory):
    """A release file; ``content=b"..."`` gives its bytes (one chunk), size and sha256."""

    class Meta:
        model = ReleaseFile

    release = factory.SubFactory(ReleaseFactory)
    format = "jsonl"

    @classmethod
    def _create(cls, model_class, *args, content: bytes = b"", **kwargs):
        kwargs.setdefault("size", len(content))
        kwargs.setdefault("sha256", hashlib.sha256(content).hexdigest())
        stored = super()._create(model_class, *args, **kwargs)
        if content:
            ReleaseFileChunk.objects.create(file=stored, index=0, data=content)
        return stored


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    project = factory.SubFactory(ProjectFactory)
    name = "big.jsonl"


def members_of(project: Project, **roles: str) -> dict:
    """Make one account a member of ``project`` per ``username=role``; return them by name."""
    people = {}
    for username, role in roles.items():
        people[username] = UserFactory(username=username)
        MembershipFactory(project=project, user=people[username], role=role)
    return people
