"""Render the real-templates corpus: mail as open-source systems send it, from their own
shipped templates and translations, with codes in the format each system generates.

    python -m tests.mail.render_real_templates vendor MIRROR  # copy sources from clones
    python -m tests.mail.render_real_templates          # render cases.json from sources/

`vendor` copies each template and translation named in SOURCES, verbatim, into
code_corpus/real_templates/sources/<owner>+<name>/<path>, reading each from a git clone at
MIRROR/<owner>+<name>/repo at the commit named. Rendering reads only those copies, so the corpus can be
redone offline. Each case records where its template came from, the code(s) the mail
carries (as shown) and its main link.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2

HERE = Path(__file__).parent / "code_corpus" / "real_templates"
SOURCES_DIR = HERE / "sources"

ALLAUTH = ("pennersr/django-allauth", "20f4bded2fd2e12d0d172d1321626a94c17ac97e")
AUTHELIA = ("authelia/authelia", "23572030b4048922a377ca40d59e804e0ed25fd7")
KRATOS = ("ory/kratos", "b86338da04a040247a07f46100a86dcfb3875909")
FLASK_SECURITY = ("pallets-eco/flask-security", "3a0bc27c5eb542bb1e900a804665222e3291572f")
SUPABASE = ("supabase/auth", "bc32168e13fdc928c98b449fc76bc3fdb9a293c5")
SALEOR = ("saleor/saleor", "723cd4eba87dfc72822ade45dc08a3caa548428d")
KEYCLOAK = ("keycloak/keycloak", "0111c3329505e7bcaf44604443f52e7ace5157ae")  # excerpt, by hand

ALLAUTH_LANGS = ["en", "de", "fr", "es", "it", "pt_BR", "nl", "pl", "ru", "uk", "ja", "ko",
                 "zh_Hans", "tr", "sv", "cs"]
FS_LANGS = ["en", "de_DE", "fr_FR", "es_ES", "it_IT", "ja_JP", "pt_BR", "ru_RU", "zh_Hans_CN",
            "nl_NL", "pl_PL", "tr_TR"]
ALLAUTH_MAILS = ["login_code", "email_confirmation_signup", "email_confirmation",
                 "password_reset_code", "password_reset_key", "password_changed", "email_changed",
                 "unknown_account"]
KRATOS_MAILS = ["login_code/valid", "registration_code/valid", "verification_code/valid",
                "recovery_code/valid", "verification/valid", "recovery/valid",
                "recovery_code/invalid", "verification/invalid"]
FS_MAILS = ["two_factor_instructions", "us_instructions", "confirmation_instructions",
            "reset_instructions", "login_instructions", "welcome", "reset_notice",
            "change_notice"]
SALEOR_MAILS = ["user_email/password_reset", "user_email/confirm",
                "user_email/request_email_change", "user_email/set_customer_password",
                "user_email/account_delete", "admin_email/password_reset",
                "admin_email/set_password", "user_email/confirm_order",
                "user_email/confirm_payment", "user_email/order_cancel",
                "user_email/order_refund", "user_email/confirm_fulfillment",
                "user_email/update_fulfillment", "user_email/send_invoice",
                "user_email/gift_card", "user_email/confirmed_order",
                "admin_email/staff_confirm_order", "user_email/email_changed_notification"]


def sources() -> Iterator[tuple[tuple[str, str], str]]:
    """(repository, path) of every file the corpus is rendered from."""
    for mail in ALLAUTH_MAILS:
        for part in ("message", "subject"):
            yield ALLAUTH, f"allauth/templates/account/email/{mail}_{part}.txt"
    yield ALLAUTH, "allauth/templates/account/email/base_message.txt"
    yield ALLAUTH, "allauth/templates/account/email/base_notification.txt"
    for lang in ALLAUTH_LANGS:
        yield ALLAUTH, f"allauth/locale/{lang}/LC_MESSAGES/django.po"
    for name in ("IdentityVerificationOTC", "IdentityVerificationJWT"):
        for ext in ("txt", "html"):
            yield AUTHELIA, f"internal/templates/embed/notification/{name}.{ext}"
    for mail in KRATOS_MAILS:
        for part in ("subject", "body.plaintext", "body"):
            yield KRATOS, f"courier/template/courier/builtin/templates/{mail}/email.{part}.gotmpl"
    for mail in FS_MAILS:
        for ext in ("txt", "html"):
            yield FLASK_SECURITY, f"flask_security/templates/security/email/{mail}.{ext}"
    for lang in FS_LANGS[1:]:
        yield FLASK_SECURITY, f"flask_security/translations/{lang}/LC_MESSAGES/flask_security.po"
    yield SUPABASE, "internal/mailer/templatemailer/templatemailer.go"
    for mail in SALEOR_MAILS:
        folder, name = mail.split("/")
        yield SALEOR, f"saleor/plugins/{folder}/default_email_templates/{name}.html"


def seeded(name: str) -> random.Random:
    """The same codes and links on every run: a corpus, not secrets."""
    return random.Random(name)  # noqa: S311


def vendored(repo: tuple[str, str], path: str) -> Path:
    return SOURCES_DIR / repo[0].replace("/", "+") / path


def vendor(mirror: Path) -> None:
    """Copy every source file, verbatim, from a local snapshot of its repository."""
    for repo, path in sources():
        git_dir = mirror / repo[0].replace("/", "+") / "repo"
        blob = subprocess.run(["git", "-C", str(git_dir), "show", f"{repo[1]}:{path}"],
                              check=True, capture_output=True).stdout
        target = vendored(repo, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)


def read(repo: tuple[str, str], path: str) -> str:
    return vendored(repo, path).read_text(encoding="utf-8")


def origin(repo: tuple[str, str], *paths: str) -> str:
    return f"{repo[0]}@{repo[1][:12]}:" + ",".join(paths)


# --- translations -------------------------------------------------------------------------

def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a gettext catalogue, skipping fuzzy and untranslated entries."""
    catalogue: dict[str, str] = {}
    for entry in re.split(r"\n\s*\n", text):
        if "#, fuzzy" in entry or "msgid_plural" in entry:
            continue
        fields: dict[str, str] = {}
        key = None
        for line in entry.splitlines():
            match = re.match(r'(msgid|msgstr)\s+(".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = json.loads(match.group(2))
            elif key and line.startswith('"'):
                fields[key] += json.loads(line)
        if fields.get("msgid") and fields.get("msgstr"):
            catalogue[fields["msgid"]] = fields["msgstr"]
    return catalogue


# --- django-allauth: Django templates, rendered with the subset they use --------------------

def render_django(name: str, context: dict[str, str], catalogue: dict[str, str]) -> str:
    base = "allauth/templates/"
    source = read(ALLAUTH, base + name)
    include = re.search(r'{% include "([^"]+)" %}', source)
    if include:
        source = read(ALLAUTH, base + include.group(1))
    extends = re.search(r'{% extends "([^"]+)" %}', source)
    if extends:
        block = re.search(r"{% block content %}(.*?){% endblock content %}", source, re.S)
        parent = read(ALLAUTH, base + extends.group(1))
        source = re.sub(r"{% block content %}.*?{% endblock content %}",
                        lambda _: block.group(1) if block else "", parent, flags=re.S)
    source = re.sub(r"{% (load [^%]*|autoescape off|endautoescape|user_display user as "
                    r"user_display) %}", "", source)
    while True:  # innermost if/else/endif first
        match = re.search(r"{% if (\w+) %}((?:(?!{% if ).)*?)(?:{% else %}((?:(?!{% if )."
                          r")*?))?{% endif %}", source, re.S)
        if not match:
            break
        chosen = match.group(2) if context.get(match.group(1)) else (match.group(3) or "")
        source = source[:match.start()] + chosen + source[match.end():]

    def translate(match: re.Match[str]) -> str:
        aliases = dict(re.findall(r"(\w+)=([\w.]+)", match.group(1) or ""))
        msgid = re.sub(r"{{ (\w+) }}", r"%(\1)s", match.group(2))
        values = {k: context[aliases.get(k, k)] for k in re.findall(r"%\((\w+)\)s", msgid)}
        return catalogue.get(msgid, msgid) % values

    source = re.sub(r"{% blocktrans(?:late)?(?: with ([^%]*))? %}(.*?)"
                    r"{% endblocktrans(?:late)? %}", translate, source, flags=re.S)
    source = re.sub(r"{{ (\w+) }}", lambda m: context[m.group(1)], source)
    return source.strip() + "\n"


ALLAUTH_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"  # allauth's default user code alphabet (RFC 8628)


def allauth_cases() -> Iterator[dict[str, Any]]:
    for lang in ALLAUTH_LANGS:
        catalogue = parse_po(read(ALLAUTH, f"allauth/locale/{lang}/LC_MESSAGES/django.po"))
        for mail in ALLAUTH_MAILS:
            rng = seeded(f"allauth-{lang}-{mail}")
            letters = "".join(rng.choice(ALLAUTH_LETTERS) for _ in range(8))
            code = f"{letters[:4]}-{letters[4:]}"
            key = f"MQ:1t{rng.randrange(16**8):08x}:{rng.randrange(16**20):020x}"
            context = {
                "site_name": "Bookhive", "site_domain": "bookhive.example",
                "current_site.name": "Bookhive", "current_site.domain": "bookhive.example",
                "user_display": "jdoe", "username": "jdoe", "email": "jdoe@example.org",
                "from_email": "old@example.org", "to_email": "jdoe@example.org",
                "signup_url": "https://bookhive.example/accounts/signup/",
                "activate_url": f"https://bookhive.example/accounts/confirm-email/{key}/",
                "password_reset_url": ("https://bookhive.example/accounts/password/reset/key/"
                                       f"{rng.randrange(99)}-{key[5:30]}/"),
                "code": code if mail.endswith("_code") or (mail.startswith("email_conf") and
                rng.random() < 0.5) else "",
                "password_reset": "", "timestamp": "", "ip": "", "user_agent": "",
            }
            if mail in ("login_code", "password_reset_code"):
                context["code"] = code
            try:
                body = render_django(f"account/email/{mail}_message.txt", context, catalogue)
            except KeyError:
                continue  # a notification needing context the corpus does not model
            subject = " ".join(render_django(f"account/email/{mail}_subject.txt", context,
                                             catalogue).split())
            link = {"email_confirmation": context["activate_url"],
                    "email_confirmation_signup": context["activate_url"],
                    "password_reset_key": context["password_reset_url"]}.get(mail)
            yield case("allauth", lang, mail, origin(ALLAUTH, f"{mail}_message.txt"),
                       subject, text=body, codes=[context["code"]] if context["code"] else [],
                       link=None if context["code"] else link)


# --- Authelia: Go templates with {{ .Field }} -----------------------------------------------

AUTHELIA_CHARS = "ABCDEFGHJKLMNPQRTUVWYXZ2346789"  # random.CharSetUnambiguousUpper


def go_template(source: str, values: dict[str, str]) -> str:
    return re.sub(r"{{\s*\.(\w+)\s*}}", lambda m: values[m.group(1)], source)


def authelia_cases() -> Iterator[dict[str, Any]]:
    base = "internal/templates/embed/notification/"
    for index in range(8):
        rng = seeded(f"authelia-{index}")
        chars = AUTHELIA_CHARS if index % 2 else AUTHELIA_CHARS[:23]  # half without a digit
        code = "".join(rng.choice(chars) for _ in range(8))
        revoke = f"https://auth.example.com/revoke/one-time-code?id={rng.randrange(16**12):x}"
        values = {"DisplayName": "John Doe", "Domain": "auth.example.com", "OneTimeCode": code,
                  "RevocationLinkURL": revoke, "RevocationLinkText": "Revoke",
                  "RemoteIP": f"192.0.2.{index + 10}", "Title": "Confirm an action",
                  "LinkURL": f"https://auth.example.com/reset-password/step2?token={code}xyz",
                  "LinkText": "Validate"}
        name = "IdentityVerificationOTC" if index < 6 else "IdentityVerificationJWT"
        text = go_template(read(AUTHELIA, base + name + ".txt"), values)
        html = go_template(read(AUTHELIA, base + name + ".html"), values)
        otc = name.endswith("OTC")
        yield case("authelia", "en", f"{name}-{index}", origin(AUTHELIA, base + name + ".*"),
                   "Confirm an action", text=text, html=html, codes=[code] if otc else [],
                   link=None if otc else values["LinkURL"])


# --- Ory Kratos: Go templates -----------------------------------------------------------------

def kratos_cases() -> Iterator[dict[str, Any]]:
    base = "courier/template/courier/builtin/templates/"
    for mail in KRATOS_MAILS:
        rng = seeded(f"kratos-{mail}")
        code = f"{rng.randrange(10**6):06d}"
        flow = f"{rng.randrange(16**8):08x}-4f1c-4b6e-9a8c-{rng.randrange(16**12):012x}"
        kind = mail.split("/")[0]
        url = (f"https://auth.example.org/self-service/{kind.removesuffix('_code')}"
               f"?code={code}&flow={flow}")
        values = {"LoginCode": code, "RegistrationCode": code, "VerificationCode": code,
                  "RecoveryCode": code, "ExpiresInMinutes": "60", "VerificationURL": url,
                  "RecoveryURL": url, "To": "jane@example.org"}
        subject = go_template(read(KRATOS, f"{base}{mail}/email.subject.gotmpl"), values)
        text = go_template(read(KRATOS, f"{base}{mail}/email.body.plaintext.gotmpl"), values)
        html = go_template(read(KRATOS, f"{base}{mail}/email.body.gotmpl"), values)
        valid = mail.endswith("/valid")
        has_code = valid and "_code" in mail
        yield case("kratos", "en", mail.replace("/", "-"), origin(KRATOS, base + mail),
                   subject.strip(), text=text, html=html, codes=[code] if has_code else [],
                   link=url if url in text else None)


# --- Flask-Security: Jinja2 with its own gettext domain -----------------------------------------

def fs_cases() -> Iterator[dict[str, Any]]:
    env = jinja2.Environment(autoescape=False)  # noqa: S701 - renders a corpus, not a page
    base = "flask_security/templates/security/email/"
    for lang in FS_LANGS:
        catalogue = {} if lang == "en" else parse_po(read(
            FLASK_SECURITY, f"flask_security/translations/{lang}/LC_MESSAGES/flask_security.po"))

        def fsdomain(msgid: str, catalogue: dict[str, str] = catalogue, **values: Any) -> str:
            return catalogue.get(msgid, msgid) % values if values else catalogue.get(msgid,
                                                                                     msgid)
        for mail in FS_MAILS:
            rng = seeded(f"fs-{lang}-{mail}")
            code = f"{rng.randrange(10**6):06d}"
            token = f"{rng.randrange(16**24):024x}"
            link = {"confirmation_instructions": "/confirm/", "welcome": "/confirm/",
                    "reset_instructions": "/reset/", "login_instructions": "/login/",
                    "us_instructions": "/us-verify-link?id=3&code="}.get(mail)
            url = f"https://app.example.net{link}{token}" if link else None
            context = {"_fsdomain": fsdomain, "username": "maria", "token": code,
                       "login_token": code, "within": "5 minutes" if "two" in mail or "us_" in
                       mail else "1 day", "confirmation_link": url, "reset_link": url,
                       "login_link": url, "user": {"email": "maria@example.org"},
                       "security": {"confirmable": True}}
            rendered = {ext: env.from_string(read(FLASK_SECURITY, f"{base}{mail}.{ext}")).render(
                **context) for ext in ("txt", "html")}
            has_code = mail in ("two_factor_instructions", "us_instructions")
            yield case("flask-security", lang, mail, origin(FLASK_SECURITY, f"{base}{mail}.*"),
                       {"two_factor_instructions": "Two-factor Login",
                        "us_instructions": "Sign In Instructions"}.get(mail, mail.replace(
                            "_", " ").capitalize()),
                       text=rendered["txt"], html=rendered["html"],
                       codes=[code] if has_code else [], link=url)


# --- Keycloak: FreeMarker wrapping messages_*.properties ------------------------------------------

def keycloak_cases() -> Iterator[dict[str, Any]]:
    path = "messages_en.properties"
    messages = {}
    for line in read(KEYCLOAK, path).splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            messages[key] = value.replace("\\n", "\n").replace("''", "'")
    mails = [("emailVerification", "Link"), ("emailUpdateConfirmation", "Link"),
             ("passwordReset", "Link"), ("executeActions", "Link"),
             ("emailVerificationBodyCode", "Code"), ("eventUpdatePassword", None),
             ("eventLoginError", None)]
    for realm in ("Acme", "Northwind Traders", "Intranet"):
        for key, kind in mails:
            rng = seeded(f"keycloak-{realm}-{key}")
            code = f"{rng.randrange(10**8):08d}"
            url = (f"https://sso.example.com/realms/{realm.split()[0].lower()}/login-actions/"
                   f"action-token?key=eyJhbGciOiJIUzUxMiJ9.{rng.randrange(16**30):030x}"
                   f"&client_id=account-console")
            if kind == "Code":
                args = [code]
                subject = messages["emailVerificationSubject"]
            elif kind == "Link":
                args = [url, "jane@example.com", realm, "Verify Email" if "execute" in key
                        else "5 minutes", "12 hours"]
                subject = messages[f"{key}Subject"]
            else:
                args = ["11/28/26, 2:14 PM", "198.51.100.23"]
                subject = messages[f"{key}Subject"]

            def fill(template: str, args: list[str] = args) -> str:
                return re.sub(r"{(\d)}", lambda m: args[int(m.group(1))], template)
            body = key if kind == "Code" else f"{key}Body"
            text = fill(messages[body])
            html = ("<html>\n<body>\n" + fill(messages[f"{body}Html"] if f"{body}Html" in messages
                                              else messages[body.removesuffix("Body") + "Html"])
                    + "\n</body>\n</html>\n") if f"{body}Html" in messages else ""
            yield case("keycloak", "en", f"{key}-{realm.split()[0].lower()}",
                       origin(KEYCLOAK, "themes/src/main/resources/theme/base/email/messages/"
                              "messages_en.properties"), subject, text=text, html=html,
                       codes=[code] if kind == "Code" else [],
                       link=url if kind == "Link" else None)


# --- Supabase Auth: default templates compiled into the Go server ---------------------------

def supabase_cases() -> Iterator[dict[str, Any]]:
    source = read(SUPABASE, "internal/mailer/templatemailer/templatemailer.go")
    templates = dict(re.findall(r"const default(\w+)Mail = `(.*?)`", source, re.S))
    subjects = {"Invite": "You've been invited", "Confirmation": "Confirm your email address",
                "Recovery": "Reset your password", "MagicLink": "Your sign-in link",
                "EmailChange": "Confirm your new email address",
                "Reauthenticate": "{{ .Token }} is your verification code",
                "PasswordChangedNotification": "Your password was changed"}
    for name, subject in subjects.items():
        rng = seeded(f"supabase-{name}")
        token = f"{rng.randrange(10**6):06d}"
        url = (f"https://abcd1234.supabase.co/auth/v1/verify?token=pkce_{rng.randrange(16**40):x}"
               f"&type={name.lower()}&redirect_to=https://app.example.dev")
        values = {"Token": token, "ConfirmationURL": url, "NewEmail": "new@example.dev",
                  "Email": "me@example.dev", "OldEmail": "old@example.dev"}
        is_code = name == "Reauthenticate"
        yield case("supabase", "en", name, origin(SUPABASE, "internal/mailer/templatemailer/"
                   f"templatemailer.go#default{name}Mail"), go_template(subject, values),
                   html=go_template(templates[name], values), codes=[token] if is_code else [],
                   link=None if is_code or "Notification" in name else url)


# --- Saleor: Handlebars, rendered with the subset its default templates use -------------------

def handlebars(source: str, context: dict[str, Any]) -> str:
    def lookup(name: str, scope: dict[str, Any]) -> Any:
        value: Any = scope
        for part in name.removeprefix("../").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value if value is not None or name.startswith("../") is False else lookup(
            name.removeprefix("../"), context)

    def render(text: str, scope: dict[str, Any]) -> str:
        block = re.compile(r"{{#(each|if|unless) ([\w.]+)}}((?:(?!{{#(?:each|if|unless) ).)*?)"
                           r"{{/\1}}", re.S)
        while True:  # innermost blocks first, each in the scope it is written in
            match = block.search(text)
            if not match:
                break
            kind, name, inner = match.groups()
            value = lookup(name, scope)
            yes, _, no = inner.partition("{{else}}")
            if kind == "each":
                out = "".join(render(yes, {**scope, **item}) for item in value or [])
            else:
                out = yes if bool(value) == (kind == "if") else no
            text = text[:match.start()] + out + text[match.end():]

        def expression(match: re.Match[str]) -> str:
            words = match.group(1).split()
            if words[0] == "price":
                amount = lookup(words[2], scope) or 0
                return f"{amount:,.2f} {lookup('order.currency', context) or 'USD'}"
            if words[0] == "format_address":
                address = lookup(words[1], scope) or {}
                return "<br>".join(str(v) for v in address.values())
            value = lookup(words[0], scope)
            return "" if value is None else str(value)
        return re.sub(r"{{{?\s*([^#/{}][^{}]*?)\s*}?}}", expression, text)
    return render(source, context)


def saleor_cases() -> Iterator[dict[str, Any]]:
    for mail in SALEOR_MAILS:
        folder, name = mail.split("/")
        rng = seeded(f"saleor-{mail}")
        token = f"{rng.randrange(36**20):x}"
        number = rng.randrange(10000, 99999)
        url = {"password_reset": f"https://shop.example.com/reset-password/?email=ann%40example"
               f".com&token={token}", "confirm": f"https://shop.example.com/account-confirm/"
               f"?email=ann%40example.com&token={token}",
               "request_email_change": f"https://shop.example.com/confirm-email-change/"
               f"?token={token}", "set_customer_password": f"https://shop.example.com/"
               f"set-password/?token={token}", "set_password": f"https://dashboard.example"
               f".com/new-password/?token={token}", "account_delete": f"https://shop.example"
               f".com/account-delete/?token={token}"}.get(name)
        lines = [{"product_name": p, "variant_name": v, "quantity": q,
                  "unit_price_gross_amount": a, "total_gross_amount": a * q}
                 for p, v, q, a in [("Apple Juice", "1l", 2, 4.99),
                                    ("Monospace Tee", "XL", 1, 24.0)]]
        order = {"id": f"{number}", "number": str(number), "currency": "USD",
                 "order_details_url": f"https://shop.example.com/order-history/{token}",
                 "lines": lines, "subtotal_gross_amount": 33.98, "total_gross_amount": 41.97,
                 "shipping_price_gross_amount": 7.99, "tax_amount": 6.99,
                 "display_gross_prices": True, "created": "2026-11-28T14:03:11Z",
                 "shipping_address": {"name": "Ann Smith", "street": "1117 Lakeview Avenue",
                                      "city": "Springfield, IL 62704", "phone": "+1 217 555 0142"},
                 "billing_address": {"name": "Ann Smith", "street": "1117 Lakeview Avenue"}}
        context = {"reset_url": url, "confirm_url": url, "redirect_url": url, "password_set_url":
                   url, "delete_url": url, "site_name": "Saleor e-commerce", "domain":
                   "shop.example.com", "order": order, "user": {"email": "ann@example.com"},
                   "fulfillment": {"tracking_number": "1Z999AA10123456784"},
                   "invoice": {"number": f"{number}/11/2026", "download_url":
                               f"https://shop.example.com/invoices/{token}.pdf"},
                   "gift_card": {"code": "GIFT-8DX3-PQ27"}, "recipient_email":
                   "ann@example.com", "new_email": "ann@new.example.com",
                   "old_email": "ann@example.com", "payment": {"amount": 41.97}}
        path = f"saleor/plugins/{folder}/default_email_templates/{name}.html"
        html = handlebars(read(SALEOR, path), context)
        yield case("saleor", "en", f"{folder}-{name}", origin(SALEOR, path),
                   name.replace("_", " ").capitalize(), html=html, codes=[], link=url)


def case(system: str, lang: str, mail: str, source: str, subject: str, *, text: str = "",
         html: str = "", codes: list[str], link: str | None) -> dict[str, Any]:
    return {"id": f"{system}-{lang}-{mail}", "source": source, "subject": subject.strip(),
            "text": text, "html": html, "codes": codes, "link": link}


RENDERERS: list[Callable[[], Iterator[dict[str, Any]]]] = [
    allauth_cases, authelia_cases, kratos_cases, fs_cases, keycloak_cases, supabase_cases,
    saleor_cases]


def render() -> list[dict[str, Any]]:
    cases = [item for renderer in RENDERERS for item in renderer()]
    (HERE / "cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    return cases


if __name__ == "__main__":
    if sys.argv[1:2] == ["vendor"]:
        vendor(Path(sys.argv[2]))
    print(f"{len(render())} cases")
