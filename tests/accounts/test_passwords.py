"""Password hashes: scrypt at the strong default, tunable by PASSWORD_SCRYPT_N, and a hash
keeps verifying after the setting changes."""

from __future__ import annotations

import pytest

from app.config import ConfigError, Settings
from app.services import passwords
from app.services.accounts import users

PASSWORD = "correct horse battery"


def test_the_default_work_factor_is_werkzeugs_strong_one(make_app):
    assert Settings.from_env({}).password_scrypt_n == 2**15
    strong = make_app(password_scrypt_n=Settings.from_env({}).password_scrypt_n)
    with strong.app_context():
        user = users.create_user("strong@example.org", PASSWORD)
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert users.authenticate("strong@example.org", PASSWORD) == user


def test_a_hash_still_verifies_after_the_setting_changes(app, make_app):
    with app.app_context():
        users.create_user("before@example.org", PASSWORD)
    later = make_app(password_scrypt_n=2048)
    with later.app_context():
        assert users.authenticate("before@example.org", PASSWORD) is not None
        assert users.authenticate("before@example.org", "not the password") is None
        assert users.create_user("after@example.org", PASSWORD).password_hash.startswith(
            "scrypt:2048:8:1$")


def test_an_unknown_email_checks_a_hash_of_the_same_cost(app, monkeypatch):
    checked: list[str] = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    with app.app_context():
        users.create_user("known@example.org", PASSWORD)
        assert users.authenticate("nobody@example.org", PASSWORD) is None
        assert users.authenticate("known@example.org", "wrong password") is None
    assert [stored.split("$")[0] for stored in checked] == ["scrypt:1024:8:1"] * 2


@pytest.mark.parametrize("value", ["1000", "512", "2097152", "lots"])
def test_a_work_factor_that_is_no_power_of_two_in_range_stops_start_up(value):
    with pytest.raises(ConfigError, match="PASSWORD_SCRYPT_N"):
        Settings.from_env({"PASSWORD_SCRYPT_N": value})
