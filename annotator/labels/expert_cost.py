"""What expert labels cost, measured, and how many items a budget of hours or money buys.

Seconds per label are the mean `duration_s` of the submitted expert labels (the
app's active time on the item), else ASSUMED_SECONDS, said so. Cost per label is
the mean recorded `cost` of those labels, else the expert sources' cost model
(per label, or per hour at the measured time), else unknown. Means, not medians:
a budget is a sum.

Budgets are written `40h`, `1.5hours` or `90min` (hours), or `300` / `300USD`
(money, in the experts' currency).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from annotator.base.errors import AnnotatorError
from annotator.labels.reference import EXPERT
from annotator.store.project import Project

ASSUMED_SECONDS = 60.0  # per expert label when no expert label has a duration

_HOURS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|min|m)\s*$", re.IGNORECASE)
_MONEY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]{3})?\s*$")


class BudgetError(AnnotatorError):
    """A budget that cannot be read or priced."""


def parse_budget(text: str) -> tuple[str, float, str | None]:
    """'40h' / '90min' -> ("hours", 40.0, None); '300' / '300USD' -> ("money", 300.0, "USD")."""
    found = _HOURS.match(text)
    if found:
        amount = float(found.group(1))
        unit = found.group(2).lower()
        return "hours", (amount / 60.0 if unit in ("m", "min") else amount), None
    found = _MONEY.match(text)
    if found:
        currency = found.group(2).upper() if found.group(2) else None
        return "money", float(found.group(1)), currency
    raise BudgetError(f"--budget takes hours (40h, 90min) or money (300, 300USD), not {text!r}.")


def expert_rates(project: Project) -> dict[str, Any]:
    """Seconds and cost per expert label, measured over the expert labels where recorded;
    the cost falls back to the expert sources' cost model, the time to ASSUMED_SECONDS."""
    timed = project.row(
        "SELECT avg(l.duration_s), count(l.duration_s) FROM labels l JOIN sources s "
        "ON s.id = l.source_id WHERE s.kind = ? AND l.status = 'submitted' AND l.duration_s > 0",
        (EXPERT,),
    )
    if timed[1]:
        seconds, time_basis = float(timed[0]), f"mean over {timed[1]} expert labels"
    else:
        seconds, time_basis = ASSUMED_SECONDS, f"assumed {ASSUMED_SECONDS:g} s: no timed labels"
    costed = project.row(
        "SELECT avg(l.cost), count(l.cost) FROM labels l JOIN sources s ON s.id = l.source_id "
        "WHERE s.kind = ? AND l.status = 'submitted' AND l.cost IS NOT NULL",
        (EXPERT,),
    )
    models = project.rows(
        "SELECT cost_type, cost_amount, currency FROM sources WHERE kind = ? "
        "AND cost_amount IS NOT NULL",
        (EXPERT,),
    )
    currency = next((m[2] for m in models if m[2]), None)
    cost, cost_basis = None, "no expert cost recorded"
    if costed[1]:
        cost, cost_basis = float(costed[0]), f"mean over {costed[1]} expert labels"
    else:
        per = [
            m[1] if m[0] == "per_label" else m[1] * seconds / 3600.0
            for m in models
            if m[0] in ("per_label", "per_hour")
        ]
        if per:
            cost, cost_basis = float(np.mean(per)), "the expert sources' cost model"
    return {
        "seconds_per_label": seconds,
        "time_basis": time_basis,
        "cost_per_label": cost,
        "cost_basis": cost_basis,
        "currency": currency,
    }


def budget_capacity(
    rates: dict[str, Any],
    hours: float | None,
    money: float | None,
    currency: str | None,
    per_item: float,
) -> tuple[int | None, dict[str, Any] | None]:
    """How many items the budget pays for (None: no budget)."""
    if hours is not None and money is not None:
        raise BudgetError("Give one budget: hours or money, not both.")
    if hours is None and money is None:
        return None, None
    if hours is not None:
        if hours < 0:
            raise BudgetError("A budget cannot be negative.")
        each = rates["seconds_per_label"] * per_item / 3600.0
        return int(np.floor(hours / each + 1e-9)), {"hours": hours, "hours_per_item": each}
    if money is not None and money < 0:
        raise BudgetError("A budget cannot be negative.")
    if rates["cost_per_label"] is None:
        raise BudgetError(
            "No expert cost is recorded (labels' cost or an expert source's cost model): "
            "give the budget in hours (e.g. 40h)."
        )
    if currency and rates["currency"] and currency != rates["currency"].upper():
        raise BudgetError(f"The expert cost is in {rates['currency']}, the budget in {currency}.")
    each = rates["cost_per_label"] * per_item
    count = int(np.floor(money / each + 1e-9)) if each > 0 else None
    return count, {"money": money, "currency": rates["currency"], "money_per_item": each}


__all__ = ["ASSUMED_SECONDS", "BudgetError", "budget_capacity", "expert_rates", "parse_budget"]
