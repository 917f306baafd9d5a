"""`annotator assign PROJECT --route-by-judge NAME`: judge-first routing, then assignment.

The routing report prints first; without --dry-run the routed items are then
assigned to --annotators by the ordinary assignment code (anchors keep being
seeded by the queue), and the decision is kept in the audit log (`routing_log`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from annotator.cli.common import assign_options, open_from_args, print_json, split_names
from annotator.cli.review_args import apply_review_arguments

if TYPE_CHECKING:
    from annotator.judges.routing import RoutingPlan

ROUTE_ONLY = ("budget", "second_judge", "dry_run")


def add_route_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "judge-first routing",
        "send to people only the items a judge is unsure about; the rest keep its label",
    )
    group.add_argument(
        "--route-by-judge",
        metavar="NAME",
        help="route by this judge (an llm_judge label source) before assigning",
    )
    group.add_argument(
        "--budget",
        metavar="HOURS|MONEY",
        help="expert budget: hours (40h, 90min) or money (300, 300USD) at measured rates",
    )
    group.add_argument("--second-judge", metavar="NAME", help="only this judge as the second")
    group.add_argument(
        "--min-confidence",
        type=float,
        help="sample agreement below this is low confidence (default: 0.8)",
    )
    group.add_argument(
        "--dry-run", action="store_true", help="print the routing report, assign nothing"
    )


def check_route_only(args: argparse.Namespace) -> None:
    """Routing options mean nothing without --route-by-judge."""
    given = [f"--{n.replace('_', '-')}" for n in ROUTE_ONLY if getattr(args, n, None)]
    if given and not args.route_by_judge:
        # lazy: the queue's error loads only to be raised
        from annotator.queue.settings import QueueError

        raise QueueError(f"{', '.join(given)} needs --route-by-judge NAME.")


def cmd_route_assign(args: argparse.Namespace) -> int:
    # lazy: numpy and the alignment load when routing, not when building `--help`
    from annotator.judges.routing import MIN_CONFIDENCE, record_routing, route_by_judge

    # lazy: as above (the budget's arithmetic uses numpy)
    from annotator.labels.expert_cost import parse_budget

    # lazy: the queue loads with the store, for assigning only
    from annotator.queue import assignments
    from annotator.queue.settings import QueueError

    if args.sample is not None or args.slice is not None:
        raise QueueError("--route-by-judge chooses the items itself: drop --sample / --slice.")
    names = split_names(args.annotators)
    k = assignments.check_request(names, None, args.overlap, args.k)
    per_item = 1.0 + args.overlap * (k - 1) if len(names) >= 2 and args.overlap > 0 else 1.0
    hours = money = currency = None
    if args.budget:
        kind, amount, currency = parse_budget(args.budget)
        hours, money = (amount, None) if kind == "hours" else (None, amount)
    with open_from_args(args) as project:
        plan = route_by_judge(
            project,
            args.route_by_judge,
            budget_hours=hours,
            budget_money=money,
            budget_currency=currency,
            second_judge=args.second_judge,
            min_confidence=MIN_CONFIDENCE if args.min_confidence is None else args.min_confidence,
            labels_per_item=per_item,
            seed=args.seed if args.seed is not None else 0,
        )
        if args.dry_run:
            if args.json:
                print_json(plan.to_dict())
            else:
                print(format_plan(plan))
                print("Dry run: nothing was assigned.")
            return 0
        if not args.json:
            print(format_plan(plan), flush=True)
        with project.transaction():
            result = assignments.assign(
                project,
                names,
                items=[r.item_id for r in plan.to_humans],
                **assign_options(args),
            )
            record_routing(project, plan, result.set_id)
        apply_review_arguments(project, args)  # --assisted etc., as plain `assign` does
    if args.json:
        print_json({"routing": plan.to_dict(), "assigned": result.to_dict()})
    else:
        print(result.summary())
    return 0


def cmd_routing_log(args: argparse.Namespace) -> int:
    """`annotator queue PROJECT --routing`: the past judge-first routing decisions, oldest
    first, so a lead can see later why an item went to people or kept the judge's label."""
    # lazy: the routing module loads numpy, which `annotator --help` must not load
    from annotator.judges.routing import routing_log

    with open_from_args(args) as project:
        log = routing_log(project, args.judge)
    if args.json:
        print_json(log)
        return 0
    if not log:
        whose = f" by {args.judge}" if args.judge else ""
        print(f"No judge-first routing decisions{whose} yet (assign --route-by-judge NAME).")
        return 0
    for entry in log:
        print(format_decision(entry))
    return 0


def format_decision(entry: dict) -> str:
    """One logged decision: when, who, how many items went where, and why."""
    reasons: dict[str, int] = {}
    for why in entry["to_humans"].values():
        for reason in why:
            reasons[reason] = reasons.get(reason, 0) + 1
    rest = entry.get("remainder") or {}
    lines = [
        f"{entry['at'][:16].replace('T', ' ')}  {entry['judge']}  by {entry['actor']}"
        + (f"  (assignment set {entry['set_id']})" if entry.get("set_id") is not None else ""),
        f"  to people: {len(entry['to_humans']):,}"
        + (f" ({', '.join(f'{n:,} {r}' for r, n in reasons.items())})" if reasons else ""),
        f"  kept the judge's label: {len(entry['kept']):,}; "
        f"left out by the budget: {len(entry['left_out']):,}",
    ]
    if rest.get("items"):
        lines.append(f"  judged-only remainder: {rest['items']:,} items, accuracy {_ci(rest)}")
    return "\n".join(lines)


def _counts(counts: dict[str, int]) -> str:
    return (": " + ", ".join(f"{n:,} {reason}" for reason, n in counts.items())) if counts else ""


def _ci(found: dict) -> str:
    if not found.get("items"):
        return "nothing to estimate"
    if found.get("accuracy") is None:
        return "not estimable (no checked items like them)"
    low, high = found["ci"]
    return f"{found['accuracy']:.1%} (interval {low:.1%} to {high:.1%})"


def format_plan(plan: RoutingPlan) -> str:
    """The routing report: to humans and why, the cost, what the budget leaves out, and
    the estimated accuracy of the labels only the judge gave."""
    expert, rest = plan.expert, plan.remainder
    lines = [f"Judge-first routing by {plan.judge}:"]
    lines.append(
        f"  to people: {len(plan.to_humans):,} items; keep the judge's label: "
        f"{len(plan.kept):,}; left out by the budget: {len(plan.left_out):,}"
    )
    for reason, count in plan.reason_counts().items():
        lines.append(f"    {reason:<24} {count:,}")
    money = ""
    if expert["money"] is not None:
        money = f", {expert['money']:,.2f} {expert['currency'] or ''}".rstrip()
    lines.append(
        f"  expert time: {expert['hours']:,.1f} h{money} "
        f"({expert['seconds_per_label']:.0f} s per label: {expert['time_basis']}; "
        f"cost: {expert['cost_basis']})"
    )
    if plan.budget is not None:
        shown = (
            f"{plan.budget['hours']:g} h"
            if "hours" in plan.budget
            else f"{plan.budget['money']:g} {plan.budget.get('currency') or ''}".rstrip()
        )
        lines.append(
            f"  budget {shown} pays for {plan.budget['items']:,} items; it leaves out "
            f"{plan.budget['leaves_out']:,}{_counts(plan.reason_counts('left_out'))}"
        )
    lines.append(
        f"  judged-only remainder: {rest['items']:,} items, estimated accuracy "
        f"{_ci(rest['overall'])} at {rest['confidence']:.0%}"
    )
    if len(rest["criteria"]) > 1 and rest["items"]:
        for criterion, found in rest["criteria"].items():
            lines.append(f"    {criterion:<24} {_ci(found)}")
    for criterion, verdict in plan.verdicts.items():
        weak = [g for g, v in verdict["slices"].items() if v != "stands in"]
        where = f"; not standing in on {', '.join(weak)}" if weak else ""
        lines.append(f"  {criterion}: {verdict['verdict']}{where}")
    excluded = plan.excluded
    lines.append(
        f"  not routed: {excluded['anchors']} anchors, {excluded['assigned']} already "
        f"assigned, {excluded['expert_reference']} with an expert reference"
    )
    lines.extend(f"  note: {note}" for note in plan.notes)
    return "\n".join(lines)
