"""The domain: the only code that touches the database session. Every door calls in here."""
