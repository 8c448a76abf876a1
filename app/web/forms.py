"""The browser door's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from app.config_values import DOMAIN_TYPES
from app.services.accounts.users import MIN_PASSWORD

# autocomplete tells password managers which password is which (WCAG 1.3.5).
EMAIL = {"autocomplete": "email"}
CURRENT = {"autocomplete": "current-password"}
NEW = {"autocomplete": "new-password"}


class SignupForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)], render_kw=EMAIL)
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                             render_kw=NEW)
    confirm = PasswordField("Repeat password", render_kw=NEW,
                            validators=[EqualTo("password", "The passwords differ.")])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()], render_kw=EMAIL)
    password = PasswordField("Password", validators=[DataRequired()], render_kw=CURRENT)


class ForgotForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)], render_kw=EMAIL)


class ResetForm(FlaskForm):
    new = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                        render_kw=NEW)
    confirm = PasswordField("Repeat new password", render_kw=NEW,
                            validators=[EqualTo("new", "The passwords differ.")])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()], render_kw=CURRENT)
    new = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD)],
                        render_kw=NEW)
    confirm = PasswordField("Repeat new password", render_kw=NEW,
                            validators=[EqualTo("new", "The passwords differ.")])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired()], render_kw=CURRENT)


class MailboxForm(FlaskForm):
    local = StringField("Name (empty for random)", validators=[Optional(), Length(max=64)])
    domain = SelectField("Domain", choices=[])


class KeyForm(FlaskForm):
    name = StringField("Key name", validators=[Optional(), Length(max=80)])


class DomainForm(FlaskForm):
    name = StringField("Domain", validators=[DataRequired(), Length(max=253)])
    kind = SelectField("Type", choices=list(DOMAIN_TYPES))


class PlanForm(FlaskForm):
    requests = IntegerField("Requests / month", validators=[Optional(), NumberRange(min=0)])
    mailboxes = IntegerField("Mailboxes", validators=[Optional(), NumberRange(min=0)])
    storage_mib = IntegerField("Storage (MiB)", validators=[Optional(), NumberRange(min=0)])
    domain_types = StringField("Domain types", validators=[Optional(), Length(max=64)])
    is_admin = BooleanField("Admin")


class WebhookForm(FlaskForm):
    url = StringField("URL", validators=[DataRequired(), Length(max=2048)])
    mailbox = SelectField("For", choices=[])


class FaultForm(FlaskForm):
    mailbox = SelectField("Mailbox", choices=[])
    kind = SelectField("Fault", choices=[
        SelectChoice("refuse_rcpt", "Refuse at RCPT"),
        SelectChoice("refuse_data", "Refuse after DATA"),
        SelectChoice("delay", "Delay the final reply"),
        SelectChoice("drop", "Drop the connection in DATA")])
    code = IntegerField("Reply code", validators=[Optional(), NumberRange(min=400, max=599)],
                        default=451)
    seconds = IntegerField("Seconds", validators=[Optional(), NumberRange(min=1, max=300)])
    count = IntegerField("Next deliveries", default=1,
                         validators=[DataRequired(), NumberRange(min=1, max=1000)])
