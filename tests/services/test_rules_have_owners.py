"""Each rule about a mailbox has one owner module, and every other service calls it.

A mailbox's life (is it live, held, expired long enough to purge: its `expires_at`) belongs
to mailbox_policy; who may see it and who owns it (its `owner_id`, and what admin reach
means) to visibility. Anywhere else in app/services, comparing either column, in Python
(`row.expires_at > now`) or as SQL (`Mailbox.owner_id == user_id`, `.is_(None)`,
`filter_by(owner_id=…)`), is a second copy of a rule that will drift from the first.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "app" / "services"

# The owners: the only modules that may look at these columns to decide something.
OWNERS = {
    "mailbox_life/mailbox_policy.py",  # expires_at: live, held, expired, never expires
    "mailbox_life/visibility.py",  # owner_id: may see, owns, belongs to
}
WATCHED = {"expires_at", "owner_id"}
# Other tables' columns of the same name: a shown-once mark's expiry is no mailbox's.
OTHER_TABLES = {"ShownOnceTaken"}
# SQLAlchemy's comparison methods, as in `Mailbox.expires_at.is_(None)`.
SQL_COMPARISONS = {"is_", "is_not", "isnot", "in_", "not_in", "notin_", "between",
                   "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"}


def _watched(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in WATCHED
            and not (isinstance(node.value, ast.Name) and node.value.id in OTHER_TABLES))


def _compares(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare):  # row.expires_at > now, Mailbox.owner_id == user_id
        return any(_watched(side) for side in (node.left, *node.comparators))
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr == "filter_by":  # filter_by(owner_id=…)
        return any(k.arg in WATCHED for k in node.keywords)
    return node.func.attr in SQL_COMPARISONS and _watched(node.func.value)  # .is_(None)


def comparisons(tree: ast.AST) -> list[ast.AST]:
    """Every place in `tree` that compares a watched column."""
    return [node for node in ast.walk(tree) if _compares(node)]


def copies_outside_owners(root: Path) -> list[tuple[str, str]]:
    """(module, source) of every comparison of a watched column outside the owners."""
    copies = []
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).as_posix()
        if module in OWNERS:
            continue
        source = path.read_text()
        for node in comparisons(ast.parse(source)):
            copies.append((module, ast.get_source_segment(source, node) or ast.dump(node)))
    return copies


def test_the_scan_sees_each_way_a_rule_is_copied():
    """Python comparisons, SQL comparisons and filter_by are all found; another table's
    column of the same name is not."""
    spelled = [
        "row.expires_at > now",
        "mailbox.owner_id != principal.user_id",
        "Mailbox.expires_at.is_(None)",
        "sa.select(Mailbox.id).where(Mailbox.owner_id == user_id)",
        "Mailbox.__table__.c.expires_at.is_not(None)",
        "sa.select(Mailbox).filter_by(owner_id=3)",
    ]
    for text in spelled:
        assert len(comparisons(ast.parse(text))) == 1, text
    for text in ("ShownOnceTaken.expires_at < now", "mailbox.expires_at = later",
                 "owner = db.session.get(User, mailbox.owner_id)"):
        assert comparisons(ast.parse(text)) == [], text


def test_only_the_owner_modules_compare_expiry_or_ownership():
    copies = copies_outside_owners(SERVICES)
    assert copies == [], "call mailbox_policy or visibility instead of: " + repr(copies)
