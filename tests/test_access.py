"""The role table of DESIGN.md, asserted row by row against annotations.access."""

import pytest

from annotations import access
from annotations.models import Role

NON_MEMBER = None
ALL = [NON_MEMBER, Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER]


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        (access.may_read, {Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER}),
        (access.may_review, {Role.REVIEWER, Role.MANAGER}),
        (access.sees_others_work, {Role.REVIEWER, Role.MANAGER}),
        (access.may_reopen, {Role.REVIEWER, Role.MANAGER}),
        (access.may_manage, {Role.MANAGER}),
        (access.may_reassign, {Role.MANAGER}),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_each_rule_allows_exactly_the_roles_of_the_design_table(rule, allowed):
    assert {role for role in ALL if rule(role)} == allowed


@pytest.mark.parametrize(
    "rule",
    [
        access.may_read,
        access.may_review,
        access.sees_others_work,
        access.may_reopen,
        access.may_manage,
        access.may_reassign,
    ],
    ids=lambda rule: rule.__name__,
)
def test_roles_where_lists_exactly_the_roles_a_rule_allows(rule):
    assert set(access.roles_where(rule)) == {role for role in ALL if rule(role)}


def test_every_role_of_the_model_is_a_reading_role():
    assert set(access.READ_ROLES) == set(Role.values)


def test_a_non_member_is_refused_as_not_found_whatever_is_asked():
    for allowed in (access.READ_ROLES, access.REVIEW_ROLES, access.MANAGE_ROLES):
        assert access.refusal(NON_MEMBER, allowed) is access.Refusal.NOT_FOUND


def test_a_member_without_the_role_is_refused_as_forbidden():
    assert access.refusal(Role.ANNOTATOR, access.REVIEW_ROLES) is access.Refusal.FORBIDDEN
    assert access.refusal(Role.REVIEWER, access.MANAGE_ROLES) is access.Refusal.FORBIDDEN


def test_a_member_with_the_role_is_not_refused():
    assert access.refusal(Role.MANAGER, access.MANAGE_ROLES) is None
    assert access.refusal(Role.ANNOTATOR, access.READ_ROLES) is None
