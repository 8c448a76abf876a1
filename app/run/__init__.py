"""Every process Mayfly runs, and what they share: the launcher behind `scripts/serve` (its
parts as process groups, who holds a port), the SMTP sidecar and its workers, gunicorn's
configuration and worker class, and the schedule of periodic jobs a process runs beside its
listeners. The top layer: it may import anything it starts; nothing in app/ imports it."""
