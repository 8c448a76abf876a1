"""What Mayfly sends out: webhooks and their dispatch, forgery-safe requests, relayed mail."""
