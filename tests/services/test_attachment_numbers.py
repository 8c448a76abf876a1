"""tempmail-php's integer attachment ids: a keyed permutation of (message row id, place), so
they are derived without storage, never repeat, turn back into their attachment, and give
away neither the row id nor their neighbours' numbers."""

from __future__ import annotations

from itertools import pairwise

import pytest

from app.mail.mime import MAX_PARTS
from app.services.stored_mail import attachment_numbers


def test_every_part_of_a_message_has_a_place():
    assert MAX_PARTS < attachment_numbers.PLACES


@pytest.mark.usefixtures("app_ctx")
def test_numbers_turn_back_into_their_place_and_never_repeat():
    places = [(m, p) for m in [*range(1, 200), 2**31 - 1, 2**41] for p in (0, 1, 2, 511)]
    numbers = [attachment_numbers.number_of(m, p) for m, p in places]
    assert len(set(numbers)) == len(places)
    assert all(2**32 <= n < 2**53 for n in numbers)
    assert [attachment_numbers.place_of(n) for n in numbers] == places
    # Neighbouring places get unrelated numbers: no small step from one to the next.
    assert min(abs(b - a) for a, b in pairwise(numbers)) > 2**20
    assert attachment_numbers.place_of(2**32 - 1) is None
    assert attachment_numbers.place_of(2**32 + 2**52) is None


def test_another_secret_key_gives_other_numbers(make_app):
    numbers = []
    for secret in ("one-secret-key-0123456789abcdef-0123456789",
                   "two-secret-key-0123456789abcdef-0123456789"):
        with make_app(secret_key=secret).app_context():
            numbers.append({attachment_numbers.number_of(m, 0) for m in range(1, 50)})
    assert not numbers[0] & numbers[1]
