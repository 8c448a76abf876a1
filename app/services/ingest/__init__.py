"""Incoming mail from the SMTP door to the commit: recipients, room, faults, the stored rows."""
