"""Webhook tests send to receivers on this machine's loopback, which Mayfly allows only
when the operator says so (WEBHOOKS_ALLOW_PRIVATE=1)."""

from __future__ import annotations

from dataclasses import replace

import pytest


@pytest.fixture
def settings(settings):
    return replace(settings, webhooks_allow_private=True)
