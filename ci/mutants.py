#!/usr/bin/env python3
"""The worker of ci/mutants.sh: how strong each gate exercise is, measured by mutation testing.

For each exercise, cargo-mutants mutates its reference (and the corpus's correct submissions,
tests/gate/EXERCISE/*.rs whose first line is `//! expect: pass`), one spot per mutant; each
mutant is applied to a copy of its source and written as a student's submission,
target/mutants/EXERCISE/NNN.rs. All of an exercise's mutants are graded in one
`interleave grade` call per backend (shuttle; loom with the loom build), and each is judged by
the gate's verdict:

- caught: a property fails or times out (`fail`, `timeout`);
- unviable: it does not compile (`rejected`, "did not compile"): not caught, not counted;
- survived: every property passes;
- unclaimed: the gate claims nothing either way (`not-checked`, `unfinished`): neither caught
  nor survived;
- screened / error: refused by the gate's screen, or the grader failed: neither, and reported.

A mutant is caught if a backend caught it. Every mutant no backend caught must be explained in
docs/mutants.md, in a row `| `KEY` | equivalent / out of contract / hole | why |` (a `|` inside the
key written `\\|`); a survivor without a row is counted as a hole. The score is
caught / (viable - equivalent). The results go to docs/mutants.json (an exercise not run this
time keeps its last results), and from them the summary table between the `mutants:begin` /
`mutants:end` marks in docs/mutants.md, and README.md's exercise table's last column and the line
between its marks.

The gate compiles each submission against this source tree, so the binaries must be built from
it (ci/mutants.sh builds them first) and the tree must not change while a run grades.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ["counter", "rlock", "bounded-queue", "philosophers", "thread-pool"]
SCRATCH = ROOT / "target" / "mutants"
RESULTS = ROOT / "docs" / "mutants.json"
DOC = ROOT / "docs" / "mutants.md"
README = ROOT / "README.md"
SHUTTLE_BIN = ROOT / "target" / "release" / "interleave"
LOOM_BIN = ROOT / "target" / "loom" / "release" / "interleave"
CLASSES = ("equivalent", "out of contract", "hole")
BEGIN, END = "<!-- mutants:begin -->", "<!-- mutants:end -->"


def sources(exercise):
    """The files mutated for `exercise`: its reference, then the corpus's correct files."""
    folder = exercise.replace("-", "_")
    found = [Path("src/gate/exercises") / folder / "reference.rs"]
    corpus = ROOT / "tests" / "gate" / exercise
    for path in sorted(corpus.glob("*.rs")):
        first = path.read_text().split("\n", 1)[0]
        if first.strip() == "//! expect: pass":
            found.append(path.relative_to(ROOT))
    return found


def short(source):
    """How a source is named in keys: `rlock/reference.rs`, `rlock/cpython_port.rs`."""
    parts = source.parts
    if parts[:3] == ("src", "gate", "exercises"):
        return f"{parts[3].replace('_', '-')}/{parts[-1]}"
    return f"{parts[-2]}/{parts[-1]}"


def generate(exercise):
    """Writes every mutant of `exercise` as target/mutants/EXERCISE/NNN.rs: the list of them."""
    folder = SCRATCH / exercise
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        old.unlink()
    mutants = []
    for source in sources(exercise):
        listed = subprocess.run(
            ["cargo", "mutants", "--Zmutate-file", str(source), "--json", "--diff"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )
        for mutant in json.loads(listed.stdout):
            number = f"{len(mutants):03}"
            path = folder / f"{number}.rs"
            diff = folder / f"{number}.diff"
            diff.write_text(mutant["diff"])
            with open(diff) as patch_input:
                subprocess.run(
                    ["patch", "--quiet", "--output", str(path), str(ROOT / source)],
                    stdin=patch_input, check=True,
                )
            # `NAME:LINE:COL: what`: the name cargo-mutants gives, with the source's own name.
            what = mutant["name"].split(": ", 1)[1]
            start = mutant["span"]["start"]
            key = f"{short(source)}:{start['line']}:{start['column']}: {what}"
            mutants.append({
                "id": number,
                "key": key,
                "source": str(source),
                "genre": mutant["genre"],
                "submission": str(path.relative_to(ROOT)),
            })
    return mutants


def grade(binary, exercise, mutants, backend):
    """Grades `mutants` in one call on `backend`: the report's submissions by path."""
    out = SCRATCH / f"{exercise}.{backend}.json"
    command = [str(binary), "grade", exercise, *[m["submission"] for m in mutants],
               "--backend", backend, "--format", "json", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode not in (0, 1, 3, 4, 5):
        sys.exit(f"error: {' '.join(command[:3])} … exited {done.returncode}: {done.stderr}")
    report = json.loads(out.read_text())
    return report, {s["submission"]: s for s in report["submissions"]}


def verdict(graded):
    """The gate's verdict on one mutant on one backend, as this run counts it."""
    status = graded["status"]
    failing = sorted({p["property"] for p in graded["properties"]
                      if p["status"] in ("fail", "timeout")})
    unclaimed = sorted({p["property"] for p in graded["properties"]
                        if p["status"] in ("not-checked", "unfinished")})
    judged = {
        "pass": "survived",
        "fail": "caught",
        "timeout": "caught",
        "not-checked": "unclaimed",
        "unfinished": "unclaimed",
        "error": "error",
    }.get(status)
    if status == "rejected":
        message = graded.get("message") or ""
        judged = "unviable" if message.startswith("did not compile") else "screened"
    found = {"verdict": judged, "status": status}
    if failing:
        found["caught_by"] = failing
    if unclaimed:
        found["unclaimed"] = {p["property"]: p["status"] for p in graded["properties"]
                              if p["status"] in ("not-checked", "unfinished")}
    return found


def classified():
    """The survivors' classes written in docs/mutants.md: key -> (class, why)."""
    rows = {}
    if not DOC.exists():
        return rows
    for line in DOC.read_text().splitlines():
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 3 and cells[0].startswith("`") and cells[1] in CLASSES:
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def run_exercise(exercise, backends, loom_ok):
    started = time.monotonic()
    mutants = generate(exercise)
    seconds = {"generate": round(time.monotonic() - started, 1)}
    for backend in backends:
        if backend == "loom" and not loom_ok:
            continue
        # Under loom, only what compiled under shuttle (the same source, the same compiler).
        todo = [m for m in mutants if m.get("shuttle", {}).get("verdict") != "unviable"]
        began = time.monotonic()
        _, by_path = grade(SHUTTLE_BIN if backend == "shuttle" else LOOM_BIN, exercise, todo,
                           backend)
        seconds[backend] = round(time.monotonic() - began, 1)
        for mutant in todo:
            mutant[backend] = verdict(by_path[mutant["submission"]])
    seconds["total"] = round(time.monotonic() - started, 1)
    return mutants, seconds


def judge(mutants, backends, classes):
    """Each mutant's overall verdict and class; the exercise's counts."""
    count = {k: 0 for k in ("generated", "unviable", "viable", "screened", "error",
                            "caught", "survived", "unclaimed", "equivalent",
                            "out_of_contract", "holes", "unexplained")}
    for backend in backends:
        count[f"caught_{backend}"] = 0
        count[f"unclaimed_{backend}"] = 0
    for mutant in mutants:
        count["generated"] += 1
        verdicts = {b: mutant[b]["verdict"] for b in backends if b in mutant}
        for backend, v in verdicts.items():
            if v == "caught":
                count[f"caught_{backend}"] += 1
            if v == "unclaimed":
                count[f"unclaimed_{backend}"] += 1
        values = set(verdicts.values())
        if "unviable" in values:
            overall = "unviable"
        elif "caught" in values:
            overall = "caught"
        elif "error" in values:
            overall = "error"
        elif "screened" in values:
            overall = "screened"
        elif values == {"survived"}:
            overall = "survived"
        else:
            overall = "unclaimed"
        mutant["overall"] = overall
        count[overall] += 1
        if overall != "unviable":
            count["viable"] += 1
        if overall in ("survived", "unclaimed"):
            klass, why = classes.get(mutant["key"], ("hole", None))
            mutant["class"] = klass
            if why is None:
                mutant["unexplained"] = True
                count["unexplained"] += 1
            count[{"equivalent": "equivalent", "out of contract": "out_of_contract",
                   "hole": "holes"}[klass]] += 1
    judged = count["viable"] - count["equivalent"]
    count["score"] = round(count["caught"] / judged, 4) if judged else None
    return count



def percent(score):
    return "—" if score is None else f"{100 * score:.1f}%"


def runs_said(results):
    """When the results were made: each distinct (date, interleave, cargo-mutants)."""
    runs = sorted({(e["date"], e["interleave"], e["cargo_mutants"]) for e in results.values()})
    return "; ".join(f"{d}, interleave {i}, cargo-mutants {c}" for d, i, c in runs)


def loom_cell(counts):
    loom = counts.get("caught_loom")
    cell = "—" if loom is None else str(loom)
    if counts.get("unclaimed_loom"):
        cell += f" ({counts['unclaimed_loom']} not claimed)"
    return cell


def table(results):
    """docs/mutants.md's summary: one row per exercise, from docs/mutants.json."""
    lines = [
        f"Run of {runs_said(results)}, by `bash ci/mutants.sh`:",
        "",
        "| exercise | mutants | unviable | caught, shuttle | caught, loom | caught | equivalent "
        "| out of contract | holes | score | time (shuttle + loom) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for exercise in EXERCISES:
        e = results.get(exercise)
        if e is None:
            continue
        c, s = e["counts"], e["seconds"]
        run = " + ".join(f"{s[b]:.0f} s" for b in ("shuttle", "loom") if b in s)
        lines.append(
            f"| `{exercise}` | {c['generated']} | {c['unviable']} | {c.get('caught_shuttle', '—')} "
            f"| {loom_cell(c)} | {c['caught']} | {c['equivalent']} | {c['out_of_contract']} "
            f"| {c['holes']} | {percent(c['score'])} | {run} |"
        )
    lines += [
        "",
        "A mutant is caught when a backend caught it; score = caught ÷ (viable − equivalent), "
        "so an out-of-contract mutant counts as missed. \"Not claimed\": the gate's verdict "
        "there was `not-checked` or `unfinished`, neither caught nor survived.",
    ]
    return "\n".join(lines)


def readme_cell(counts):
    """The README exercise table's mutation cell for one exercise."""
    c = counts
    return (
        f"{c['caught']} of {c['generated']} (shuttle {c.get('caught_shuttle', '—')}, loom "
        f"{loom_cell(c)}); {c['unviable']} unviable, {c['equivalent']} equivalent, "
        f"{c['out_of_contract']} out of contract, {c['holes']} holes; "
        f"score {percent(c['score'])}"
    )


def rewrite_readme(results):
    """The last cell of each exercise's row in README.md's exercise table, and the line between
    the marks under it."""
    text = README.read_text()
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("| exercise | properties |"))
    i = header + 2
    while lines[i].startswith("| `"):
        exercise = lines[i].split("`")[1]
        if exercise in results:
            cells = lines[i].split(" | ")
            lines[i] = " | ".join(cells[:-1]) + f" | {readme_cell(results[exercise]['counts'])} |"
        i += 1
    text = "\n".join(lines)
    said = (f"Mutants: every small bug cargo-mutants makes in an exercise's reference and in the "
            f"corpus's correct files, graded as a submission ({runs_said(results)}); each survivor "
            f"is explained in [docs/mutants.md](docs/mutants.md), with the time of each run.")
    README.write_text(replace_block(text, said))


def replace_block(text, block):
    """`text` with what is between the marks replaced by `block`."""
    if BEGIN not in text or END not in text:
        sys.exit(f"error: no {BEGIN} … {END} to rewrite")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def dump(results):
    """docs/mutants.json: one line per mutant, so that a run's diff reads mutant by mutant."""
    out = ["{", ' "exercises": {']
    names = [e for e in EXERCISES if e in results]
    for n, exercise in enumerate(names):
        e = dict(results[exercise])
        mutants = e.pop("mutants")
        body = json.dumps(e, ensure_ascii=False)[1:-1]
        out.append(f'  "{exercise}": {{{body}, "mutants": [')
        rows = [json.dumps(m, ensure_ascii=False) for m in mutants]
        out.append(",\n".join(f"   {row}" for row in rows))
        out.append("  ]}" + ("," if n + 1 < len(names) else ""))
    out += [" }", "}"]
    RESULTS.write_text("\n".join(out) + "\n")


def tool_version(command):
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.split()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exercises", nargs="*", default=EXERCISES)
    parser.add_argument("--backend", choices=["shuttle", "loom", "both"], default="both")
    parser.add_argument("--tables", action="store_true",
                        help="only write the tables again from docs/mutants.json")
    args = parser.parse_args()
    if args.tables:
        # The recorded verdicts judged again with docs/mutants.md's classes as they are now.
        results = json.loads(RESULTS.read_text())["exercises"]
        classes = classified()
        for e in results.values():
            for mutant in e["mutants"]:
                for field in ("overall", "class", "unexplained"):
                    mutant.pop(field, None)
            e["counts"] = judge(e["mutants"], e["backends"], classes)
        dump(results)
        rewrite_readme(results)
        DOC.write_text(replace_block(DOC.read_text(), table(results)))
        return 0
    unknown = [e for e in args.exercises if e not in EXERCISES]
    if unknown:
        sys.exit(f"error: no exercise {', '.join(unknown)}; they are {', '.join(EXERCISES)}")
    backends = ["shuttle", "loom"] if args.backend == "both" else [args.backend]
    loom_ok = LOOM_BIN.exists()
    if "loom" in backends and not loom_ok:
        sys.exit(f"error: no loom build at {LOOM_BIN} (ci/mutants.sh builds it)")
    interleave = tool_version([str(SHUTTLE_BIN), "--version"])
    cargo_mutants = tool_version(["cargo", "mutants", "--version"])
    classes = classified()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results = results.get("exercises", {})
    seen_keys = set()
    for exercise in args.exercises:
        mutants, seconds = run_exercise(exercise, backends, loom_ok)
        graded = [b for b in backends if b != "loom" or loom_ok]
        counts = judge(mutants, graded, classes)
        seen_keys.update(m["key"] for m in mutants)
        results[exercise] = {
            "date": datetime.date.today().isoformat(),
            "interleave": interleave,
            "cargo_mutants": cargo_mutants,
            "backends": graded,
            "sources": [str(s) for s in sources(exercise)],
            "seconds": seconds,
            "counts": counts,
            "mutants": [{k: v for k, v in m.items() if k != "submission"} for m in mutants],
        }
        times = ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items())
        print(f"{exercise}: {counts['generated']} mutants, {counts['unviable']} unviable, "
              f"caught {counts['caught']} (shuttle {counts.get('caught_shuttle', '—')}, loom "
              f"{counts.get('caught_loom', '—')}), {counts['equivalent']} equivalent, "
              f"{counts['out_of_contract']} out of contract, {counts['holes']} holes "
              f"({counts['unexplained']} unexplained), score {percent(counts['score'])}; {times}")
        for mutant in mutants:
            if mutant.get("unexplained"):
                key = mutant["key"].replace("|", "\\|")
                print(f"  unexplained survivor {mutant['id']}: | `{key}` | hole | … |")
            for backend in graded:
                if mutant.get(backend, {}).get("verdict") in ("error", "screened"):
                    print(f"  {backend}: {mutant['id']} {mutant[backend]['verdict']}: "
                          f"{mutant['key']}")
    survivors = {m["key"] for e in args.exercises for m in results[e]["mutants"]
                 if m["overall"] in ("survived", "unclaimed")}
    stale = [k for k in classes if k not in survivors
             and any(k.startswith(f"{e}/") for e in args.exercises)]
    for key in stale:
        said = "caught or unviable" if key in seen_keys else "not generated"
        print(f"  docs/mutants.md explains a mutant that is no survivor ({said}): {key}")
    dump(results)
    block = table(results)
    rewrite_readme(results)
    DOC.write_text(replace_block(DOC.read_text(), block))
    print(block)
    holes = sum(e["counts"]["holes"] for e in results.values())
    errors = sum(e["counts"]["error"] + e["counts"]["screened"] for e in results.values())
    return 1 if holes or errors or stale else 0


if __name__ == "__main__":
    sys.exit(main())
