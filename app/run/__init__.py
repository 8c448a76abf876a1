"""Processes Mayfly runs: its parts as process groups, and who holds a port."""
