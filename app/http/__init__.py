"""What every HTTP door shares: error rendering, security headers, rate limits, request
quotas, downloads, waits and event streams (how gunicorn runs the app is app/run's).

Doors (app.web, app.api, app.dialects) import from here; nothing here imports a door.
"""
