"""The browser door's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from app.config_values import DOMAIN_TYPES
from app.services.users import MIN_PASSWORD


class SignupForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD)])
    confirm = PasswordField("Repeat password",
                            validators=[EqualTo("password", "The passwords differ.")])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD)])
    confirm = PasswordField("Repeat new password",
                            validators=[EqualTo("new", "The passwords differ.")])


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired()])


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
