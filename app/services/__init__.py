"""The domain: the only code that touches the database session. Every door calls in here.

Families, one folder each, named for what they own:
- mailbox_life: mailboxes from creation to purge, who may see one and whether it is live;
- stored_mail: stored mail as the doors read and change it (pages, search, waits);
- ingest: incoming mail from the SMTP door to the commit;
- checks: what is worked out about stored mail after the commit;
- outgoing: what Mayfly sends out (webhooks, relayed mail) and how safely;
- accounts: users, keys, plans and what they use;
- runtime: background threads, new-mail notices, metrics.
The modules at this level are the vocabulary every family shares: errors, the asking
principal, ids, secrets, settings, the summary shape.
"""
