"""Stored mail as the doors read and change it: pages, one message, search, waits, bulk actions."""
