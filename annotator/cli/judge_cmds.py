"""`annotator judge`: add, list, show, test, run an LLM judge; its failures, versions and calls."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from annotator.base.errors import AnnotatorError
from annotator.cli import judge_canary_cmds
from annotator.cli.common import add_json_flag, add_project_argument, open_from_args, print_json
from annotator.stats.defaults import N_BOOT, SEED


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "judge",
        help="LLM judges: label items with an OpenAI-compatible model (Ollama, llama-server, ...)",
        description=(
            "An LLM judge is a label source of kind llm_judge that asks an OpenAI-compatible "
            "server to label items against the rubric. Its API key is read from the named "
            "environment variable at run time and never stored."
        ),
    )
    sub = parser.add_subparsers(dest="judge_command", metavar="SUBCOMMAND", required=True)

    add = sub.add_parser("add", help="add a judge")
    add_project_argument(add)
    add.add_argument("name", help="the judge's name (also its source and annotator)")
    add.add_argument("--base-url", required=True, help="e.g. http://localhost:11434/v1")
    add.add_argument("--model", required=True, help="the model name to ask for")
    add.add_argument("--api-key-env", help="environment variable holding the API key")
    add.add_argument("--prompt", type=Path, help="a Jinja2 prompt template file")
    add.add_argument("--temperature", type=float)
    add.add_argument("--seed", type=int)
    add.add_argument("--samples", type=int, default=1, help="answers per item (consensus)")
    add.add_argument("--max-tokens", type=int)
    add.add_argument("--timeout", type=float, default=60, help="seconds per call (default 60)")
    add.add_argument("--input-price", type=float, help="per million input tokens")
    add.add_argument("--output-price", type=float, help="per million output tokens")
    add.add_argument("--currency", default="USD")
    add_json_flag(add)
    add.set_defaults(func=cmd_add)

    for name, helptext, func in (
        ("list", "list the judges", cmd_list),
        ("show", "a judge's settings and versions", cmd_show),
        ("test", "one call: what the server reports", cmd_test),
        ("failures", "items a judge could not label, with the raw answers", cmd_failures),
        ("versions", "a judge's derived versions", cmd_versions),
    ):
        one = sub.add_parser(name, help=helptext)
        add_project_argument(one)
        if name != "list":
            one.add_argument("name", help="the judge")
        add_json_flag(one)
        one.set_defaults(func=func)

    run = sub.add_parser("run", help="judge items (resumable; --dry-run to see the cost first)")
    add_project_argument(run)
    run.add_argument("name", help="the judge")
    run.add_argument(
        "--items",
        default="unlabeled",
        help="all, unlabeled (default), anchors, judged-by:VERSION (re-judge that version's "
        "items), tag:KEY=VALUE, or text to search for",
    )
    run.add_argument("--limit", type=int, help="at most this many items")
    run.add_argument("--concurrency", type=int, default=4, help="calls in flight (default 4)")
    run.add_argument("--dry-run", action="store_true", help="print calls, tokens and cost only")
    run.add_argument(
        "--accept-new-version",
        action="store_true",
        help="when the server reports another model or fingerprint, go on under a new version",
    )
    run.add_argument(
        "--swap",
        action="store_true",
        help="also ask each pairwise item with A and B exchanged, to measure position bias",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    add_json_flag(run)
    run.set_defaults(func=cmd_run)

    compare = sub.add_parser(
        "compare",
        help="two versions of a judge on the same items: cross-tab, shift, exchange rate",
    )
    add_project_argument(compare)
    compare.add_argument("name", help="the judge")
    compare.add_argument("--from", dest="from_version", required=True, help="e.g. v1")
    compare.add_argument("--to", dest="to_version", required=True, help="e.g. v2")
    compare.add_argument(
        "--pass-at",
        type=float,
        help="ordinal/numeric criteria pass at or above this (default: the scale's midpoint)",
    )
    add_json_flag(compare)
    compare.set_defaults(func=cmd_compare)

    for name, helptext, func in (
        ("show-call", "the exact request(s) and answer(s) behind a judge label", cmd_show_call),
        ("replay", "send a judge label's stored request again", cmd_replay),
    ):
        one = sub.add_parser(name, help=helptext)
        add_project_argument(one)
        one.add_argument("label_id", type=int, help="the label's id")
        add_json_flag(one)
        one.set_defaults(func=func)

    align = sub.add_parser(
        "align", help="a judge against the experts: agreement, bias, ceiling, verdict"
    )
    add_project_argument(align)
    align.add_argument(
        "name", help="the judge: a source of kind llm_judge, or one of its annotators"
    )
    align.add_argument(
        "--against",
        default="consensus",
        help="consensus (adjudicated, else experts; default), experts, or a source or annotator",
    )
    align.add_argument("--criterion", help="only this criterion")
    align.add_argument(
        "--n-boot", type=int, default=N_BOOT, help=f"bootstrap resamples (default {N_BOOT})"
    )
    align.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default {SEED})")
    align.add_argument(
        "--stands-in-margin", type=float, default=0.05, help="below the human ceiling (0.05)"
    )
    align.add_argument("--max-bias", type=float, default=0.25, help="|judge - reference| (0.25)")
    align.add_argument("--max-rate-gap", type=float, default=0.10, help="nominal rates (0.10)")
    align.add_argument(
        "--not-trusted-below", type=float, default=0.40, help="agreement floor (0.40)"
    )
    align.add_argument(
        "--max-flip-rate",
        type=float,
        default=0.20,
        help="preference answers that change when A and B are exchanged (0.20)",
    )
    align.add_argument(
        "--by",
        choices=("slice", "rubric-version", "week"),
        help="the same figures and verdict per slice (tag=value), rubric version or week",
    )
    add_json_flag(align)
    align.set_defaults(func=cmd_align)
    judge_canary_cmds.register(sub)  # judge canary add|list|remove|run, judge run --canary


def _money(value: float | None, currency: str) -> str:
    return "no prices set" if value is None else f"{value:.4f} {currency}"


def cmd_add(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.config import JudgeConfig, add_judge

    template = None
    if args.prompt is not None:
        try:
            template = args.prompt.read_text(encoding="utf-8")
        except OSError as error:
            raise AnnotatorError(
                f"{args.prompt}: cannot read the prompt template ({error.strerror})."
            ) from None
    config = JudgeConfig(
        name=args.name,
        base_url=args.base_url,
        model=args.model,
        api_key_env=args.api_key_env,
        prompt_template=template,
        temperature=args.temperature,
        seed=args.seed,
        samples=args.samples,
        max_tokens=args.max_tokens,
        input_price=args.input_price,
        output_price=args.output_price,
        currency=args.currency,
        timeout_s=args.timeout,
    )
    with open_from_args(args) as project:
        judge = add_judge(project, config)
    if args.json:
        print_json(judge.to_dict())
    else:
        key = f", key from ${config.api_key_env}" if config.api_key_env else ""
        print(f"Judge {judge.name!r} added: {config.model} at {config.host}{key}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.config import list_judges

    with open_from_args(args) as project:
        judges = list_judges(project)
    if args.json:
        print_json([j.to_dict() for j in judges])
        return 0
    if not judges:
        print("No judges yet; add one with `annotator judge add`.")
    for judge in judges:
        current = judge.current_version
        version = f"{current.label} ({current.labels} labels)" if current else "not run yet"
        print(f"{judge.name}: {judge.config.model} at {judge.config.host}, {version}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.config import get_judge

    with open_from_args(args) as project:
        judge = get_judge(project, args.name)
    data = judge.to_dict()
    if args.json:
        print_json(data)
        return 0
    config = data["config"]
    config["prompt_template"] = "(default)" if config["prompt_template"] is None else "(custom)"
    for key, value in config.items():
        print(f"{key}: {value}")
    _print_versions(judge.versions)
    return 0


def _print_versions(versions: Any) -> None:
    if not versions:
        print("versions: none yet (a version is derived from the first answer)")
    for v in versions:
        fp = f", fingerprint {v.system_fingerprint}" if v.system_fingerprint else ""
        print(
            f"{v.label}: {v.reported_model}{fp} at {v.host}, prompt {v.prompt_sha[:12]}, "
            f"rubric v{v.rubric_version}, {v.sampling}, first seen {v.first_seen}, "
            f"{v.labels} labels"
        )


def cmd_versions(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.config import judge_versions

    with open_from_args(args) as project:
        versions = judge_versions(project, args.name)
    if args.json:
        print_json([v.to_dict() for v in versions])
    else:
        _print_versions(versions)
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    # lazy: the judges package (and openai) load only for judge commands
    from annotator.judges.records import test_judge

    with open_from_args(args) as project:
        result = test_judge(project, args.name)
    if args.json:
        print_json(result.to_dict())
        return 0 if result.ok else 1
    if not result.ok:
        print(f"The call to {result.host} failed: {result.error}")
        return 1
    print(f"model: {result.reported_model}")
    print(f"system_fingerprint: {result.system_fingerprint}")
    print(f"host: {result.host}")
    print(f"latency: {result.latency_s:.2f} s")
    print(f"tokens: {result.tokens_in} in, {result.tokens_out} out")
    print(f"answer: {result.answer_text}")
    if result.answer_check:
        print(f"answer check: {result.answer_check}")
    return 0


def cmd_failures(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.records import judge_failures

    with open_from_args(args) as project:
        failures = judge_failures(project, args.name)
    if args.json:
        print_json([f.to_dict() for f in failures])
        return 0
    if not failures:
        print("No failures.")
    for f in failures:
        raw = f"; raw answer: {f.raw_text!r}" if f.raw_text is not None else ""
        print(f"{f.item_id} ({f.judge_version}, {f.at}, {f.attempts} attempts): {f.error}{raw}")
    return 0


class _Bar:
    """The progress line on stderr: done/total, failures, rate, ETA and money spent."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and p.done < p.total:
            return
        self.last = now
        width = 24
        filled = int(width * p.done / p.total) if p.total else width
        eta = f"{p.eta_s:.0f} s" if p.eta_s is not None else "?"
        cost = "" if p.cost is None else f", {p.cost:.4f} {p.currency}"
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total}"
            f" ({p.failed} failed), {p.rate_per_s:.1f}/s, ETA {eta}{cost}   "
        )
        sys.stderr.flush()


def _planned_swaps(plan: Any) -> str:
    if not plan.swaps:
        return ""
    only = f", {plan.swap_only} of them for items judged before" if plan.swap_only else ""
    return f" ({plan.swaps} with A and B exchanged{only})"


def _swaps_done(result: Any) -> str:
    failed = f", {result.swaps_failed} of them failed" if result.swaps_failed else ""
    asked = result.swaps + result.swaps_failed
    return f"; {asked} swaps asked (A and B exchanged){failed}, {result.flips} flipped"


def cmd_run(args: argparse.Namespace) -> int:
    # lazy: the judges package (and openai) load only for judge commands
    from annotator.judges.run import plan_run, run_judge

    if args.dry_run:
        with open_from_args(args) as project:
            plan = plan_run(project, args.name, args.items, args.limit, swap=args.swap)
        if args.json:
            print_json(plan.to_dict())
        else:
            print(
                f"{len(plan.item_ids)} items ({plan.skipped_already} already judged under "
                f"{plan.version or 'no version yet'}), {plan.calls} calls{_planned_swaps(plan)}, "
                "about "
                f"{plan.est_tokens_in} tokens in and {plan.est_tokens_out} out, "
                f"{_money(plan.est_cost, plan.currency)}. Nothing was sent."
            )
        return 0
    bar = None if args.quiet or args.json else _Bar()
    result = run_judge(
        args.project,
        args.name,
        items=args.items,
        limit=args.limit,
        concurrency=args.concurrency,
        accept_new_version=args.accept_new_version,
        progress=bar,
        swap=args.swap,
    )
    if bar is not None:
        sys.stderr.write("\n")
    if args.json:
        print_json(result.to_dict())
    else:
        print(
            f"{result.judged} judged, {result.failed} failed, {result.skipped_already} already "
            f"judged; {result.calls} calls ({result.retries} retries), {result.tokens_in} tokens "
            f"in, {result.tokens_out} out, {_money(result.cost, result.currency)}; judge version "
            f"{result.version or '-'}{_swaps_done(result) if args.swap else ''}."
        )
        if result.message:
            print(result.message)
    return (
        3 if result.stopped_reason == "version_changed" else (130 if result.stopped_reason else 0)
    )


def cmd_compare(args: argparse.Namespace) -> int:
    # lazy: the judges package (and numpy) load only for judge commands
    from annotator.judges.compare import compare_judge_versions, comparison_lines

    with open_from_args(args) as project:
        result = compare_judge_versions(
            project, args.name, args.from_version, args.to_version, pass_at=args.pass_at
        )
    if args.json:
        print_json(result.to_dict())
    else:
        print("\n".join(comparison_lines(result)))
    return 0


def cmd_show_call(args: argparse.Namespace) -> int:
    # lazy: the judges package loads only for judge commands
    from annotator.judges.records import label_calls

    with open_from_args(args) as project:
        calls = label_calls(project, args.label_id)
    print_json(calls)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    # lazy: the judges package (and openai) load only for judge commands
    from annotator.judges.records import replay_call

    with open_from_args(args) as project:
        outcome = replay_call(project, args.label_id)
    if args.json:
        print_json(outcome)
        return 0
    replay = outcome["replay"]
    if not replay["ok"]:
        print(f"The replay failed: {replay['error']}")
        return 1
    print(f"model: {replay['model']} (fingerprint {replay['system_fingerprint']})")
    print(f"answer: {replay['text']}")
    print("same answer as stored" if replay["same_text"] else "a different answer than stored")
    return 0


def cmd_align(args: argparse.Namespace) -> int:
    # lazy: the judges package (and numpy) load only for judge commands
    from annotator.judges.align import Thresholds, format_alignment, judge_alignment

    thresholds = Thresholds(
        args.stands_in_margin,
        args.max_bias,
        args.max_rate_gap,
        args.not_trusted_below,
        args.max_flip_rate,
    )
    with open_from_args(args) as project:
        result = judge_alignment(
            project,
            args.name,
            against=args.against,
            criterion=args.criterion,
            n_boot=args.n_boot,
            seed=args.seed,
            thresholds=thresholds,
            by=args.by,
        )
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_alignment(result))
    return 0
