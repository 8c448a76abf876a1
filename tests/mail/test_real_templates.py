"""Codes and the main link over mail rendered from real open-source systems' own templates
and translations (code_corpus/real_templates, made by tests/mail/render_real_templates.py)."""

from __future__ import annotations

from tests.mail.real_template_figures import load_cases, measure

CASES = load_cases()


def test_the_corpus_names_its_sources_and_spans_systems_and_languages():
    assert len(CASES) >= 250 and len({case["id"] for case in CASES}) == len(CASES)
    assert all("@" in case["source"] and ":" in case["source"] for case in CASES)
    systems = {case["id"].split("-")[0] for case in CASES}
    languages = {case["id"].split("-")[-2] if case["id"].startswith("flask-security")
                 else case["id"].split("-")[1] for case in CASES}
    assert len(systems) >= 7 and len(languages) >= 15
    letters_only = [c for c in CASES for code in c["codes"] if not any(ch.isdigit() for ch in code)]
    assert len(letters_only) >= 40  # allauth's default codes, Authelia's without a digit


def test_codes_are_found_with_precision_and_recall():
    figures = measure(CASES)
    print(figures.summary())
    assert figures.precision >= 0.98, f"wrong (id, got, expected): {figures.wrong}"
    assert figures.recall >= 0.95, f"missed: {figures.missed}; wrong: {figures.wrong}"


def test_the_main_link_is_right_in_link_mails_and_absent_elsewhere():
    figures = measure(CASES)
    assert figures.link_accuracy >= 0.95, f"(id, got, expected): {figures.link_wrong}"
    assert figures.link_spurious <= 0.02 * figures.without_link, figures.link_wrong
