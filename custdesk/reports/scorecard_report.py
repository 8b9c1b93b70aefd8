"""The scorecard's one-page A4 summary as HTML for QTextDocument.

Business name, date, average, per-area and per-question scores with the previous score and
the change, the live evidence, a short "strongest / weakest" note and the history of
averages. Pure Python (domain values in, HTML text out); `scorecard_pdf` prints it.
QTextDocument understands a subset of HTML 4 and CSS: tables and inline styles only.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

from custdesk.domain.scorecard import (
    DASH,
    Evidence,
    ScoredAssessment,
    area_averages,
    change_text,
    questions_by_area,
    score_changes,
    strength_note,
)

# printing shrinks it onto one page when follow-ups push it over (`scorecard_pdf`)
ONE_PAGE = "<!-- custdesk:one-page -->"
GOOD, MIDDLE, POOR = "#1b7a3a", "#8a6d00", "#b3261e"
NO_MEASURE = "<span style='color:#777'>No measure in the data</span>"


@dataclass(frozen=True)
class FollowUpLine:
    """One question's target and open next action, as printed."""

    question: str
    score: int | None
    target: int | None
    action: str | None  # the open next action's title
    due_on: str | None  # ISO date
    owner: str | None


@dataclass
class ScorecardSummary:
    """Everything the summary shows; built by `scorecard_service.build_summary`."""

    business: str
    assessment: ScoredAssessment
    previous: ScoredAssessment | None
    evidence: dict[str, Evidence | None]
    period: tuple[date, date]  # the evidence period
    history: list[tuple[date, float | None]] = field(default_factory=list)
    saved: bool = True  # False: printed from the form before saving
    followups: list[FollowUpLine] = field(default_factory=list)


def _e(text: object) -> str:
    return html.escape(str(text))


def long_date(d: date) -> str:
    """"17 Nov 2026" (locale-free: the summary reads the same on every machine)."""
    return f"{d.day} {d:%b %Y}"


def score_colour(score: float | None) -> str:
    """Red below 4, amber below 7, green from 7 (grey when unanswered)."""
    if score is None:
        return "#777"
    return POOR if score < 4 else MIDDLE if score < 7 else GOOD


def _score(score: float | None, decimals: int = 0, size: str = "10pt") -> str:
    text = DASH if score is None else f"{score:.{decimals}f}"
    return (f"<span style='color:{score_colour(score)}; font-weight:bold; "
            f"font-size:{size}'>{text}</span>")


def _header(s: ScorecardSummary) -> str:
    a, avg = s.assessment, s.assessment.average
    answered = sum(v is not None for v in a.answers.values())
    was = ""
    if s.previous is not None and s.previous.average is not None and avg is not None:
        delta = avg - s.previous.average
        sign = "+" if delta > 0 else "−" if delta < 0 else "±"
        was = (f" &nbsp;<span style='font-size:10pt; color:#444'>was {s.previous.average:.1f} on "
               f"{long_date(s.previous.taken_on)} ({sign}{abs(delta):.1f})</span>")
    status = "" if s.saved else " <span style='color:#b3261e'>(not saved yet)</span>"
    return (
        f"<p style='margin:0; font-size:16pt; font-weight:bold'>{_e(s.business)} — scorecard</p>"
        f"<p style='margin:0 0 6px 0; color:#444'>Self-assessment of "
        f"{long_date(a.taken_on)}{status} · evidence from your data for "
        f"{long_date(s.period[0])} – {long_date(s.period[1])}</p>"
        f"<p style='margin:0'>Average {_score(avg, 1, '20pt')}"
        f"<span style='font-size:11pt'> / 10</span>{was}<br>"
        f"<span style='color:#444'>{answered} of {len(a.answers)} questions answered"
        f"{'' if not a.note else ' · ' + _e(a.note)}</span></p>")


def _question_rows(s: ScorecardSummary) -> str:
    now, before = s.assessment.answers, s.previous.answers if s.previous else {}
    changes = score_changes(now, before if s.previous else None)
    areas = area_averages(now)
    follow = {f.question: f for f in s.followups}
    rows = []
    for area, questions in questions_by_area().items():
        rows.append(
            f"<tr style='background-color:#e8eef5'><td colspan='2'><b>{_e(area)}</b>"
            f" <span style='color:#555'>(area average)</span></td>"
            f"<td align='center'>{_score(areas[area], 1)}</td><td></td><td></td>"
            "<td></td></tr>")
        for q in questions:
            ev = s.evidence.get(q.id)
            ev_text = "" if ev is None else (
                f"{_e(ev.label)}: <b>{_e(ev.text)}</b>"
                + (f"<br><span style='color:#666'>{_e(ev.detail)}</span>" if ev.detail else ""))
            prev = before.get(q.id)
            rows.append(
                f"<tr><td width='2%'></td><td width='48%'><b>{_e(q.name)}</b> — {_e(q.text)}<br>"
                f"<span style='font-size:7.5pt; color:#666'>0 = {_e(q.zero)} · "
                f"10 = {_e(q.ten)}</span>{_next_line(follow.get(q.name))}</td>"
                f"<td align='center' width='8%'>{_score(now.get(q.id))}"
                f"{_target_line(follow.get(q.name))}</td>"
                f"<td align='center' width='8%'>{DASH if prev is None else prev}</td>"
                f"<td align='center' width='9%'>{change_text(changes[q.id])}</td>"
                f"<td width='25%' style='font-size:8.5pt'>"
                f"{ev_text or NO_MEASURE}</td></tr>")
    previous = (f"Before<br><span style='font-size:7.5pt; font-weight:normal'>"
                f"{_e(long_date(s.previous.taken_on))}</span>" if s.previous else "Before")
    head = ("<tr style='background-color:#34495e; color:white'><th></th>"
            "<th align='left'>Question</th><th>Score</th>"
            f"<th>{previous}</th><th>Change</th><th align='left'>Evidence</th></tr>")
    return ("<table width='100%' cellspacing='0' cellpadding='3' "
            "style='border-collapse:collapse; font-size:9.5pt; margin-top:8px' border='0'>"
            + head + "".join(rows) + "</table>")


def _history(s: ScorecardSummary) -> str:
    if len(s.history) < 2:
        return ""
    points = " → ".join(f"{long_date(d)} {DASH if v is None else f'{v:.1f}'}"
                        for d, v in s.history[-6:])
    return f"<p style='margin:6px 0 0 0; font-size:8pt; color:#444'>Average over time: {points}</p>"


def _due(iso: str | None) -> str:
    return DASH if not iso else long_date(date.fromisoformat(iso[:10]))


def _next_line(f: FollowUpLine | None) -> str:
    """Under a question: its open next action (due date, who), in small blue type."""
    if f is None or not f.action:
        return ""
    who = f", {_e(f.owner)}" if f.owner else ""
    return (f"<br><span style='font-size:7.5pt; color:#1f4e79'>Next action: {_e(f.action)} "
            f"(due {_due(f.due_on)}{who})</span>")


def _target_line(f: FollowUpLine | None) -> str:
    if f is None or f.target is None:
        return ""
    return f"<br><span style='font-size:7.5pt; color:#1f4e79'>target {f.target}</span>"


def scorecard_html(s: ScorecardSummary) -> str:
    """The whole summary as one HTML document, sized to fit one A4 page."""
    note = strength_note(s.assessment.answers)
    return (
        "<html><body style='font-family:sans-serif; font-size:9.5pt'>" + ONE_PAGE
        + _header(s)
        + f"<p style='margin:6px 0 0 0; padding:4px; background-color:#f6f1dc'>{_e(note)}</p>"
        + _question_rows(s) + _history(s)
        + "<p style='margin:6px 0 0 0; font-size:7pt; color:#666'>Scores are your own ratings "
          "from 0 to 10; the average is the mean of the answered questions, to one decimal. "
          "Evidence is computed from the data in custdesk as defined in METRICS.md.</p>"
        + "</body></html>")
