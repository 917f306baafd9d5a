"""`uv run python -m benchmarks [--quick] [--only NAME ...]`: run the benchmarks.

Every module `benchmarks/bench_*.py` exposes `run(quick: bool) -> list[dict]`; each
result has `name`, `value`, `unit`, `baseline_name`, `baseline_value`, `ratio`,
`seconds`, `peak_mb` and `note`. Each module runs in its own Python process, so one
benchmark's memory and caches never colour another's; the process's peak resident
memory is recorded beside the module's own figures. The table is printed as
markdown and written with the machine's description to `benchmarks/out/` (git-ignored)
as `results.json` and `results.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
FIELDS = (
    "name",
    "value",
    "unit",
    "baseline_name",
    "baseline_value",
    "ratio",
    "seconds",
    "peak_mb",
    "note",
)
CHILD = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
results = module.run(quick=sys.argv[2] == "1")
with open(sys.argv[3], "w", encoding="utf-8") as handle:
    json.dump(results, handle)
"""


def discover() -> list[str]:
    """Benchmark names (the part after `bench_`), in file-name order."""
    return sorted(path.stem[len("bench_") :] for path in HERE.glob("bench_*.py"))


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": _load_average(),
    }
    memory = _total_memory_gb()
    if memory:
        info["memory_gb"] = memory
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _total_memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def max_rss_mb(kilobytes_or_bytes: int) -> float:
    """ru_maxrss is kilobytes on Linux and bytes on macOS."""
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(kilobytes_or_bytes / divisor, 1)


def run_module(name: str, quick: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run one benchmark module in a fresh process; its results and the process's figures."""
    module = f"benchmarks.bench_{name}"
    with tempfile.TemporaryDirectory(prefix="bench-results-") as folder:
        target = Path(folder) / "results.json"
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, module, "1" if quick else "0", str(target)],
            cwd=REPO,
        )
        peak = None
        if hasattr(os, "wait4"):  # this child's own rusage, not a running max over children
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            peak = max_rss_mb(usage.ru_maxrss)
        else:
            child.wait()
        elapsed = time.perf_counter() - started
        process = {
            "module": module,
            "exit_code": child.returncode,
            "seconds": round(elapsed, 1),
            "peak_mb": peak,
        }
        if child.returncode != 0 or not target.exists():
            return [], process
        results = json.loads(target.read_text(encoding="utf-8"))
    for result in results:
        missing = [key for key in FIELDS if key not in result]
        if missing:
            print(f"   warning: {module}: a result lacks {', '.join(missing)}", file=sys.stderr)
            for key in missing:
                result[key] = None
        if result.get("peak_mb") is None:
            result["peak_mb"] = process["peak_mb"]
        result["module"] = name
    return results, process


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(results: list[dict[str, Any]]) -> str:
    head = "| benchmark | value | unit | baseline | baseline value | ratio | s | peak MB | note |"
    rule = "|---|---:|---|---|---:|---:|---:|---:|---|"
    rows = [
        "| "
        + " | ".join(
            [
                str(r["name"]),
                _number(r["value"]),
                str(r["unit"]),
                str(r["baseline_name"] or ""),
                _number(r["baseline_value"]),
                "" if r["ratio"] is None else f"{r['ratio']:.2f}",
                _number(r["seconds"]),
                _number(r["peak_mb"]),
                str(r["note"] or "").replace("|", "/"),
            ]
        )
        + " |"
        for r in results
    ]
    return "\n".join([head, rule, *rows])


def machine_line(info: dict[str, Any]) -> str:
    parts = [
        f"{info['cpu_count']} CPUs ({info['cpu']})",
        f"{info['memory_gb']} GB RAM" if info.get("memory_gb") else None,
        f"Python {info['python']}",
        f"SQLite {info['sqlite']}",
        info["platform"],
        f"load average {info['load_average']}" if info.get("load_average") else None,
    ]
    return "; ".join(p for p in parts if p)


def _earlier(path: Path, quick: bool, rerun: set[str]) -> dict[str, list[Any]]:
    """Results and processes of an earlier run with the same sizes, minus modules rerun now."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"results": [], "processes": []}
    if report.get("quick") != quick:
        return {"results": [], "processes": []}
    keep = [p for p in report.get("processes", []) if p.get("module") not in rerun]
    kept = {p["module"].removeprefix("benchmarks.bench_") for p in keep}
    return {
        "results": [r for r in report.get("results", []) if r.get("module") in kept],
        "processes": keep,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run the benchmarks; print and save a table."
    )
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes (a smoke run)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(discover())}",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where to write results")
    args = parser.parse_args(argv)

    names = discover()
    if args.only:
        wanted = [name.removeprefix("bench_") for name in args.only]
        unknown = [name for name in wanted if name not in names]
        if unknown:
            parser.error(f"no benchmark named {', '.join(unknown)}; have {', '.join(names)}")
        names = [name for name in names if name in wanted]

    info = machine()
    print(f"Machine: {machine_line(info)}", flush=True)
    results: list[dict[str, Any]] = []
    processes = []
    for name in names:
        print(f"== {name}{' (quick)' if args.quick else ''} ...", flush=True)
        found, process = run_module(name, args.quick)
        processes.append(process)
        results += found
        state = "ok" if process["exit_code"] == 0 else f"FAILED (exit {process['exit_code']})"
        print(
            f"   {state} in {process['seconds']} s, process peak {process['peak_mb']} MB",
            flush=True,
        )

    print()
    print(markdown_table(results))
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for result in results:
        result["at"] = at
    # Keep earlier figures of benchmarks not run this time (same sizes), so `--only`
    # refreshes one row group of the README table without dropping the others.
    earlier = _earlier(args.out / "results.json", args.quick, {p["module"] for p in processes})
    table = markdown_table(earlier["results"] + results)
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "quick": args.quick,
        "at": at,
        "machine": info,
        "processes": earlier["processes"] + processes,
        "results": earlier["results"] + results,
    }
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(
        f"Measured {at}{' (quick sizes)' if args.quick else ''} on "
        f"{machine_line(info)}.\n\n{table}\n",
        encoding="utf-8",
    )
    print(f"\nWrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return 0 if all(p["exit_code"] == 0 for p in processes) else 1


if __name__ == "__main__":
    sys.exit(main())
