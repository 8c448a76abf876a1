"""Users and what they hold: passwords, sign-up, resets, API keys, plans and request counts."""
