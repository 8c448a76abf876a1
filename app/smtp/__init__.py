"""The SMTP door: an aiosmtpd handler over the delivery service."""
