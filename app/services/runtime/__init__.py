"""What runs beside the requests: background threads, new-mail notices, metrics."""
