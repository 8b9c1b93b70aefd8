"""Which "why" a reason answers (issue 14): the six reasons panels and how a record is
filed under one of them (pure Python; storage registers `panel_of_question` on its
connection so the filing happens inside the grouped SQL).

Surveys carry `question` (what was asked) and `reason` (METRICS.md). A question is read by
its words, case, spaces and punctuation ignored (`text.name_key`): "Why did you choose us?",
"why chose us", "WHY CHOSE US" are one question. A survey without a question whose
would_refer is no files its reason under "why not refer" (METRICS.md `would_refer_pct`: the
reason of the no's is the "why not"). Customers' lost_reason answers "why left"; deals'
lost_reason and win_reason answer "why lost" and "why won".
"""

from __future__ import annotations

from dataclasses import dataclass

from custdesk.domain.text import name_key


@dataclass(frozen=True)
class Panel:
    id: str
    label: str
    source: str  # where its reasons come from, in the owner's words


PANELS: tuple[Panel, ...] = (
    Panel("chose_us", "Why they chose us",
          "survey answers to a question like “why did you choose us?” (new customers)"),
    Panel("stay", "Why they stay",
          "survey answers to a question like “why do you stay with us?” (renewing customers)"),
    Panel("not_refer", "Why they would not refer us",
          "the reason of survey answers with would refer = no, or answers to “why would "
          "you not recommend us?”"),
    Panel("left", "Why they left",
          "lost customers' lost reason (dated by their lost date), and survey answers to "
          "“why did you leave?”"),
    Panel("deal_lost", "Why we lost deals", "lost reasons of deals closed lost in the period"),
    Panel("deal_won", "Why we won deals", "win reasons of deals closed won in the period"),
)
PANEL_IDS = tuple(p.id for p in PANELS)
BY_ID = {p.id: p for p in PANELS}

# words of a question (name_key fragments) -> its panel, first match wins: "not refer"
# before "stay" ("why would you not recommend us although you stay?" is about referring)
_QUESTION_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("not_refer", ("notrefer", "notrecommend", "wouldntrefer", "wouldntrecommend",
                   "dontrefer", "dontrecommend", "whynotrefer",
                   "whynotrecommend", "notreferring", "notrecommending")),
    ("left", ("left", "leave", "leaving", "cancel", "switch", "churn", "stopped", "quit")),
    ("chose_us", ("chose", "choose", "chosen", "choosing", "pick", "selected", "select",
                  "firstbuy", "decidedtobuy", "whybuy", "whyus")),
    ("stay", ("stay", "renew", "remain", "comeback", "keepbuying", "loyal", "return")),
)


def panel_of_question(question: str | None, would_refer: int | bool | None = None
                      ) -> str | None:
    """The panel a survey's reason answers: by its question's words, else — no question,
    or one these words do not recognise — "not_refer" when would_refer is no; else None
    (the reason answers no question we know: it is left out, never guessed)."""
    key = name_key(question)
    if key:
        for panel, words in _QUESTION_WORDS:
            if any(w in key for w in words):
                return panel
    if would_refer is not None and not would_refer:
        return "not_refer"
    return None
