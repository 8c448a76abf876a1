"""Mailboxes from creation to purge: who may see one, whether it is live, domains, accounts."""
