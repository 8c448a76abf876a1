"""The SMTP sidecar: `python smtpd_runner.py`. Same settings and store as the web app; the
sidecar itself (its workers, its periodic jobs, its stop) is app/run/smtp_sidecar.py."""

from app.run.process import exit_now
from app.run.smtp_sidecar import main

if __name__ == "__main__":
    exit_now(main())
