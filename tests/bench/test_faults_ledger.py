"""The fault campaign's ledger comparison (bench/faults_ledger.py) on fabricated ledgers."""

from bench.faults_ledger import Stored, Write, compare

A = 7  # the annotation every ledger below writes to
CREATED = ("annotation_created", 1)


def create(client_id: str, version: int | None, label: str = "PER", outcome: str = "acked"):
    return Write(A, "create", f"k-{client_id}", outcome, ((client_id, label),), version)


def stored(spans, events, version=None, status="in_progress") -> dict[int, Stored]:
    top = version if version is not None else max(v for _, v in events)
    return {A: Stored(top, status, tuple(spans), (CREATED, *events))}


def test_a_clean_history_has_no_findings():
    writes = [
        create("a", 2),
        create("b", 3),
        Write(A, "relabel", "k3", "acked", (("a", "LOC"),), 4),
        Write(A, "delete", "k4", "acked", (("b", ""),), 5),
        Write(A, "submit", "k5", "acked", (), 6),
    ]
    events = [
        ("span_created", 2),
        ("span_created", 3),
        ("span_changed", 4),
        ("span_deleted", 5),
        ("status_changed", 6),
    ]

    found = compare(writes, stored([("a", "LOC")], events, status="submitted"))

    assert found.counts() == {
        "lost": 0,
        "duplicated": 0,
        "acknowledged-but-missing": 0,
        "version gaps": 0,
        "stored but never sent": 0,
    }
    assert not found.failed()
    assert (found.annotations, found.spans) == (1, 2)


def test_an_acknowledged_create_that_is_not_stored_is_lost():
    found = compare([create("a", 2)], stored([], [("span_created", 2)]))

    assert found["lost"] == ["annotation 7, span a: acknowledged, not stored"]
    assert found.failed()


def test_an_acknowledged_delete_whose_span_is_still_there_is_lost():
    writes = [create("a", 2), Write(A, "delete", "k2", "acked", (("a", ""),), 3)]
    events = [("span_created", 2), ("span_deleted", 3)]

    found = compare(writes, stored([("a", "PER")], events))

    assert found["lost"] == ["annotation 7, span a: deleted, yet stored"]


def test_an_acknowledged_relabel_that_was_undone_is_lost():
    writes = [create("a", 2), Write(A, "relabel", "k2", "acked", (("a", "LOC"),), 3)]
    events = [("span_created", 2), ("span_changed", 3)]

    found = compare(writes, stored([("a", "PER")], events))

    assert found["lost"] == ["annotation 7, span a: acknowledged as LOC, stored as PER"]


def test_an_acknowledged_submit_whose_status_is_not_submitted_is_lost():
    writes = [Write(A, "submit", "k1", "acked", (), 2)]

    found = compare(writes, stored([], [("status_changed", 2)], status="in_progress"))

    assert found["lost"] == ["annotation 7: submit acknowledged, status in_progress"]


def test_two_spans_with_one_client_id_are_duplicated():
    events = [("span_created", 2), ("span_created", 3)]

    found = compare([create("a", 2)], stored([("a", "PER"), ("a", "PER")], events))

    assert "annotation 7: 2 spans with a" in found["duplicated"]
    assert found.failed()


def test_a_write_applied_twice_logs_one_change_too_many():
    # The client sent one create and was answered v2; the server applied it again as v3.
    events = [("span_created", 2), ("span_created", 3)]

    found = compare([create("a", 2)], stored([("a", "PER")], events))

    assert found["duplicated"] == [
        "annotation 7: 2 changes logged for 1 acknowledged and 0 unanswered writes"
    ]


def test_two_events_at_one_version_are_duplicated_and_a_gap():
    events = [("span_created", 2), ("span_created", 2)]

    found = compare([create("a", 2)], stored([("a", "PER")], events, version=3))

    assert "annotation 7: 2 events at v2" in found["duplicated"]
    assert found["version gaps"] == ["annotation 7: changes logged at versions [2], version 3"]


def test_an_acknowledged_write_with_no_event_at_its_version_is_missing():
    writes = [create("a", 2), create("b", 3)]

    found = compare(writes, stored([("a", "PER"), ("b", "PER")], [("span_created", 2)], 3))

    assert found["acknowledged-but-missing"] == [
        "annotation 7: create (k-b) answered v3, logged there: None"
    ]
    assert found["version gaps"] == ["annotation 7: changes logged at versions [2], version 3"]


def test_an_unanswered_write_may_or_may_not_have_been_applied():
    writes = [
        create("a", 2),
        create("b", None, outcome="unanswered"),
        Write(A, "relabel", "k3", "unanswered", (("a", "LOC"),), None),
    ]
    applied = stored([("a", "LOC"), ("b", "PER")], [
        ("span_created", 2), ("span_created", 3), ("span_changed", 4)])  # fmt: skip
    not_applied = stored([("a", "PER")], [("span_created", 2)])

    for database in (applied, not_applied):
        assert not compare(writes, database).failed()


def test_a_later_acknowledged_write_settles_an_unanswered_one():
    writes = [
        create("a", None, outcome="unanswered"),
        Write(A, "delete", "k2", "acked", (("a", ""),), 3),
    ]
    events = [("span_created", 2), ("span_deleted", 3)]

    assert not compare(writes, stored([], events)).failed()
    assert compare(writes, stored([("a", "PER")], events))["lost"] == [
        "annotation 7, span a: deleted, yet stored"
    ]


def test_a_bulk_replace_removes_the_spans_it_does_not_name():
    writes = [
        create("a", 2),
        create("b", 3),
        Write(A, "replace", "k3", "acked", (("a", "PER"), ("c", "ORG")), 4),
    ]
    events = [("span_created", 2), ("span_created", 3), ("content_replaced", 4)]

    assert not compare(writes, stored([("a", "PER"), ("c", "ORG")], events)).failed()
    kept_b = compare(writes, stored([("a", "PER"), ("b", "PER"), ("c", "ORG")], events))
    assert kept_b["lost"] == ["annotation 7, span b: deleted, yet stored"]


def test_a_span_nobody_sent_is_reported():
    found = compare([create("a", 2)], stored([("a", "PER"), ("z", "LOC")], [("span_created", 2)]))

    assert found["stored but never sent"] == ["annotation 7: span z was never sent"]
    assert found.failed()
