"""Address rules. No app."""

from __future__ import annotations

import re

import pytest

from app.mail import addresses


@pytest.mark.parametrize(("raw", "expected"), [
    ("Bob@Mayfly.Test", ("bob", "mayfly.test")),
    ("<x@y.z>", ("x", "y.z")),
    ("zoë@例え.jp", ("zoë", "例え.jp")),
])
def test_split(raw, expected):
    assert addresses.split(raw) == expected


@pytest.mark.parametrize("raw", ["", "nobody", "@d.test", "a@", "a b@d.test", "x" * 65 + "@d.t"])
def test_split_rejects(raw):
    with pytest.raises(addresses.InvalidAddress):
        addresses.split(raw)


@pytest.mark.parametrize("local", ["postmaster", "Admin", "no-reply", "abuse+tag", "webmaster"])
def test_reserved(local):
    assert addresses.is_reserved(local)


@pytest.mark.parametrize("local", ["a", "john.doe", "x_y-z", "a1" * 32])
def test_chosen_local_part_accepted(local):
    assert addresses.check_chosen_local_part(local) == local


@pytest.mark.parametrize("local", ["", ".a", "a.", "a..b", "a b", "ä", "a" * 65, "a+b", "-"])
def test_chosen_local_part_rejected(local):
    with pytest.raises(addresses.InvalidAddress):
        addresses.check_chosen_local_part(local)


def test_random_local_parts_are_fresh_and_valid():
    made = {addresses.random_local_part() for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"[a-z][a-z0-9]{9}", m) for m in made)
