"""Write the reliability figures (out/bench_*.json) as the table in docs/reliability.md.

    python benchmarks/reliability_table.py OUT_DIR DOC

Rewrites only what lies between the two marker comments of DOC; the text
around them (what each test means, gaps and causes) is written by hand.
A bench that has not been run keeps no row.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

START = "<!-- figures: start (written by benchmarks/reliability_table.py) -->"
END = "<!-- figures: end -->"
HEADER = (
    "| test | load | faults | figure | target | met | command to reproduce |\n"
    "|---|---|---|---|---|---|---|"
)
Row = tuple[str, str, str, str, str]  # test, load, faults, figure, target


def n(value: int) -> str:
    return f"{value:,}"


def soak_row(f: dict[str, Any]) -> Row:
    runs = ", ".join(
        f"{p['name']} {p['runs']} run{'s' if p['runs'] > 1 else ''}"
        + ("" if p["converged"] else " (NOT converged)")
        for p in f["phases"]
    )
    dup = max(p["duplicates"] for p in f["phases"])
    lost = max(p["lost"] for p in f["phases"])
    orphans = max(p["orphans"] for p in f["phases"])
    injected = f["faults"]
    return (
        "soak",
        f"{n(f['rooms'])} rooms applied, then {n(f['replaced'])} replaced and "
        f"{n(f['deleted'])} deleted ({n(f['api_requests'])} API requests, "
        f"{f['seconds']:.0f} s)",
        "per request: 5% 429, 5% 5xx before the work, 5% 5xx after it, 2% "
        "answer cut off after it; 5 to 25 ms latency (met: "
        f"{injected['429']} / {injected['5xx_before']} / {injected['5xx_after']} "
        f"/ {injected['dropped']})",
        f"{dup} duplicates, {lost} lost, {orphans} orphans; converged: {runs}",
        "0 duplicates, 0 lost, ≤ 2 apply runs",
    )


def crash_row(f: dict[str, Any]) -> Row:
    moments = ", ".join(f"{v} {k}" for k, v in sorted(f["moments"].items()))
    return (
        "crash loop",
        f"{f['moments'].get('mid-run', 0)} SIGKILLs, each during an apply of "
        f"a {f['rooms']}-room estate (creates, replaces, deletes); "
        f"{f['rounds']} rounds, {f['seconds']:.0f} s",
        f"SIGKILL at a uniform moment of the apply ({moments}; "
        f"{f['left_unfinished']} left pending creates or retiring rooms); "
        "20 ms latency",
        f"{len(f['corrupt'])} corrupt states, {f['duplicates']} duplicates, "
        f"{f['orphans']} orphans, {f['lost']} lost; "
        f"{f['rounds'] - len(f['not_converged'])}/{f['rounds']} next applies "
        "converged",
        "0 corrupt, 0 duplicates, 0 orphans",
    )


def fuzz_row(f: dict[str, Any]) -> Row:
    cases = f["cases"]
    kinds = f["failure_kinds"]
    tracebacks = kinds.get("traceback", 0)
    unnamed = kinds.get("unnamed", 0) + kinds.get("exit code", 0)
    return (
        "fuzzing",
        f"{n(sum(cases.values()))} inputs: {n(cases.get('room', 0))} room files, "
        f"{n(cases.get('settings', 0))} settings files, "
        f"{n(cases.get('state', 0))} state files, {n(cases.get('plan', 0))} "
        f"saved plans; {n(f['invocations'])} CLI runs in process "
        f"({f['seconds']:.0f} s)",
        "generated and mutated YAML/JSON, arbitrary bytes",
        f"{tracebacks} tracebacks, {unnamed} errors not naming their file",
        "0 tracebacks; every error names its file",
    )


def secrets_row(results: list[dict[str, Any]]) -> Row:
    runs = sum(r["commands"] for r in results)
    places = sum(r["places"] for r in results)
    found = sum(x["count"] for r in results for x in r["leaks"])
    tokens = sum(r["secrets"].get("token", 0) for r in results)
    flavours = ", ".join(r["flavour"] for r in results)
    return (
        "secrets pass",
        f"{runs} command runs (each with and without -v; emulator flavours "
        f"{flavours}); {places} outputs and files searched for the key, a "
        f"wrong key and {tokens} link tokens",
        "two applies under 5xx and lost answers (error and disconnect drops)",
        f"{found} occurrences outside `output` stdout and the state file",
        "0",
    )


ROWS: dict[str, Callable[[Any], Row]] = {
    "bench_soak": soak_row,
    "bench_crashloop": crash_row,
    "bench_fuzz": fuzz_row,
    "bench_secrets": secrets_row,
}


def table(out: Path) -> str:
    lines = [HEADER]
    notes = []
    for name, render in ROWS.items():
        path = out / f"{name}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        cells = render(data["figures"])
        verdict = "met" if data["met"] else "**missed**"
        cells_text = " | ".join(cells[:5])
        lines.append(f"| {cells_text} | {verdict} | `{data['command']}` |")
        notes.append(f"{cells[0]}: {data['measured']}")
        machine = f"Python {data['python']}, {data['cpus']} CPUs"
    if len(lines) == 1:
        return ""
    measured = "; ".join(notes)
    return "\n".join([*lines, "", f"Measured ({machine}): {measured}."])


def rewrite(doc: Path, body: str) -> None:
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
    else:
        before, after = text + ("\n" if text else ""), "\n"
    doc.write_text(f"{before}{START}\n{body}\n{END}{after}", encoding="utf-8")


def main() -> None:
    out, doc = Path(sys.argv[1]), Path(sys.argv[2])
    body = table(out)
    if body:
        rewrite(doc, body)
        print(f"wrote the figures table into {doc}")


if __name__ == "__main__":
    main()
