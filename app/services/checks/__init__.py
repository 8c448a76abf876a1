"""Checks on stored mail, worked out after the commit: SPF, DKIM, DMARC, ARC, image trust."""
