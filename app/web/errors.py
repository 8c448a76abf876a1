"""Domain errors in the browser: the site's own error pages, never a traceback."""

from __future__ import annotations

from flask import render_template

from app.services import errors
from app.web import bp

STATUS = {errors.NotFound: 404, errors.Unauthorized: 403, errors.ReservedAddress: 403,
          errors.QuotaExceeded: 403, errors.AddressTaken: 409, errors.InvalidInput: 422}
TEMPLATES = {404: "errors/404.html"}


@bp.errorhandler(errors.MayflyError)
def domain_error(exc: errors.MayflyError) -> tuple[str, int]:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    template = TEMPLATES.get(status, "errors/error.html")
    return render_template(template, status=status, description=exc.message), status
