#!/usr/bin/env python3
"""bench_report.py --results FILE --doc FILE [--ours LABEL] [--theirs LABEL] [--max-other PCT]

Rewrites the generated part of docs/benchmarks.md (between <!-- bench:begin --> and <!-- bench:end -->) from the
result file that `dotnet cake --target=Bench` writes: gearbench result lines prefixed "round=N", plus "# key=value"
header lines (commit, dirty state, commands). Everything outside the markers is left as it is; without markers the
section is appended. Standard library only.

Per scenario (tag, and size for `large`) and server: the median over rounds of the rate, p50/p99 latency, end-of-run
RSS and CPU, and the largest VmHWM. Runs with other_cpu_pct above --max-other (default 20) are flagged and left out of
the medians when at least one quiet run exists; then the row is marked "disturbed". Runs whose status is not ok are
left out (a bg-submit whose untimed cleanup timed out still counts: its enqueue finished).
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
from collections import OrderedDict

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
TAG_ORDER = ["echo", "bg-submit", "roundtrip", "rt-serial", "rt-4k", "drain", "unique", "large"]
RSS_TARGET = 1.2  # large: the server's peak RSS growth during a size's run must stay below 1.2x the payload



def write_section(doc, section, begin, end):
    """Puts section between the begin and end markers of doc (appended when the markers are not there yet)."""
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(doc, "w") as fh:
        fh.write(text)

def parse_fields(line):
    fields = {}
    for token in line.split():
        if "=" in token:
            key, value = token.split("=", 1)
            fields[key] = value
    return fields


def read_results(path):
    runs, meta, commands = [], OrderedDict(), []
    with open(path) as fh:
        for raw in fh:
            line = raw.rstrip("\n")
            if line.startswith("# command "):
                commands.append(line[len("# command "):])
            elif line.startswith("# meta "):
                key, _, value = line[len("# meta "):].partition("=")
                meta[key.strip()] = value.strip()
            elif line.startswith("#"):
                continue
            elif "scenario=" in line:
                runs.append(parse_fields(line))
    return runs, meta, commands


def num(run, key):
    try:
        return float(run[key])
    except (KeyError, ValueError):
        return None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.{digits}f}"


def size_label(size):
    size = int(size)
    for unit, shift in (("G", 30), ("M", 20), ("k", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


def usable(run):
    if run.get("status") == "ok":
        return True
    # bg-submit's throughput is measured before its untimed cleanup; a cleanup timeout leaves it valid.
    return run.get("tag") == "bg-submit" and run.get("queue_check") == "ok" and run.get("errors") == "0" \
        and run.get("status") == "timeout" and "cleanup_s" in run


class Group:
    """The runs of one scenario (and size) on one server."""

    def __init__(self, runs, max_other):
        self.all = runs
        self.ok = [r for r in runs if usable(r)]
        self.quiet = [r for r in self.ok if (num(r, "other_cpu_pct") or 0) <= max_other]
        self.disturbed = bool(self.ok) and not self.quiet
        self.used = self.quiet or self.ok

    def med(self, key):
        return median(num(r, key) for r in self.used)

    def max(self, key):
        values = [num(r, key) for r in self.used if num(r, key) is not None]
        return max(values) if values else None


def rate_key(tag):
    return {"unique": "rounds_per_s", "large": "mib_per_s"}.get(tag, "jobs_per_s")


def rate_unit(tag):
    return {"unique": "rounds/s", "large": "MiB/s"}.get(tag, "jobs/s")


def rss_growth(runs_by_server_round, run):
    """Peak RSS growth during a large run ÷ payload: (VmHWM after it − VmRSS after the line before it) / size."""
    lines = runs_by_server_round.get((run.get("server"), run.get("round")), [])
    try:
        i = next(i for i, r in enumerate(lines) if r is run)
    except StopIteration:
        return None
    if i == 0:
        return None
    before, hwm, size = num(lines[i - 1], "srv_rss_kb"), num(run, "srv_hwm_kb"), num(run, "size")
    if before is None or hwm is None or not size:
        return None
    # Exact when this run raised VmHWM; otherwise the peak was set earlier and this is an upper bound.
    exact = hwm > (num(lines[i - 1], "srv_hwm_kb") or 0)
    return max(hwm - before, 0) * 1024 / size, exact


def growth_of(values):
    """Median of (value, exact) pairs: (median, True if every value is exact), or None."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return median(v for v, _ in values), all(e for _, e in values)


def fmt_growth(g):
    if g is None:
        return "-"
    value, exact = g
    return ("" if exact else "≤ ") + fmt(value, 2)


def sh(args, default="?"):
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else default
    except (OSError, subprocess.SubprocessError):
        return default


def machine(meta):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((l.split(":", 1)[1].strip() for l in fh if l.startswith("model name")), "?")
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as fh:
            kb = next(int(l.split()[1]) for l in fh if l.startswith("MemTotal:"))
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    gearmand = meta.get("gearmand", "")
    return [
        ("nproc", str(os.cpu_count())),
        ("CPU", cpu),
        ("RAM (MemTotal)", mem),
        ("kernel", " ".join(os.uname()[2:3]) + f" ({os.uname().machine})"),
        ("dotnet --version", sh(["dotnet", "--version"])),
        ("gearmand --version", sh([gearmand, "--version"]).split(" - ")[0] if gearmand else "not installed"),
    ]


def targets_table(groups, ours, theirs, growth):
    rows = []

    def rate(tag, server, size=None):
        g = groups.get((tag, size, server))
        return g.med(rate_key(tag)) if g else None

    def check(name, a, b, want_at_least=True):
        if a is None or b is None or b == 0:
            rows.append(f"| {name} | {fmt(a)} | {fmt(b)} | - | not measured |")
            return
        r = a / b
        met = r >= 1.0 if want_at_least else r <= 1.0
        rows.append(f"| {name} | {fmt(a)} | {fmt(b)} | {r:.2f} | {'**met**' if met else 'not met'} |")

    check("bg-submit jobs/s, ours ÷ gearmand ≥ 1.0", rate("bg-submit", ours), rate("bg-submit", theirs))
    check("roundtrip jobs/s, ours ÷ gearmand ≥ 1.0", rate("roundtrip", ours), rate("roundtrip", theirs))
    check("drain jobs/s, ours ÷ gearmand ≥ 1.0", rate("drain", ours), rate("drain", theirs))
    rt_o, rt_t = groups.get(("roundtrip", None, ours)), groups.get(("roundtrip", None, theirs))
    check("roundtrip p99 µs, ours ÷ gearmand ≤ 1.0", rt_o.med("p99_us") if rt_o else None,
          rt_t.med("p99_us") if rt_t else None, want_at_least=False)
    sizes = sorted({size for (tag, size, _) in groups if tag == "large"}, key=int)
    for size in sizes:
        a, b = rate("large", ours, size), rate("large", theirs, size)
        g = growth.get((size, ours))
        if a is None or b is None or b == 0:
            rows.append(f"| large {size_label(size)} MiB/s ≥ 1.0, peak RSS growth < {RSS_TARGET}× payload | {fmt(a, 1)} | {fmt(b, 1)} | - | not measured |")
            continue
        fast = a / b >= 1.0
        # RSS: met if the (upper bound of the) growth is below the target, unknown if only an upper bound is above it.
        lean = None if g is None else True if g[0] < RSS_TARGET else False if g[1] else None
        if fast and lean:
            verdict = "**met**"
        elif fast is False or lean is False:
            verdict = "not met (" + ", ".join(w for w, bad in (
                ("MiB/s", not fast), (f"RSS growth {fmt_growth(g)}× payload", lean is False)) if bad) + ")"
        else:
            verdict = f"MiB/s met; RSS growth not measurable here ({fmt_growth(g)}×: VmHWM was set by an earlier scenario)"
        rows.append(f"| large {size_label(size)} MiB/s ≥ 1.0, peak RSS growth < {RSS_TARGET}× payload "
                    f"| {fmt(a, 1)} | {fmt(b, 1)} | {a / b:.2f} | {verdict} |")
    return ["| target | ours | gearmand | ÷ | |", "|---|---|---|---|---|"] + rows


def scenario_table(tag, size, groups, servers, ours, theirs, growth, max_other):
    unit = rate_unit(tag)
    digits = 1 if tag == "large" else 0
    extra = {"bg-submit": ("cleanup s", "cleanup_s", 1), "drain": ("preload jobs/s", "preload_jobs_per_s", 0)}.get(tag)
    head = ["server", "runs used / ok / all", f"{unit} (median)", "per round", "p50 µs", "p99 µs",
            "RSS MiB (median)", "HWM MiB (max)", "srv cpu %", "other cpu %"]
    if tag == "large":
        head.append("RSS growth ÷ payload")
    if extra:
        head.append(extra[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    cells = {}
    for server in servers:
        g = groups.get((tag, size, server))
        if not g:
            continue
        per_round = ", ".join(
            fmt(num(r, rate_key(tag)), digits) + ("" if usable(r) else f" ({r.get('status')})")
            + (" ⚠" if (num(r, "other_cpu_pct") or 0) > max_other else "")
            for r in sorted(g.all, key=lambda r: int(r.get("round", 0))))
        rss, hwm = g.med("srv_rss_kb"), g.max("srv_hwm_kb")
        row = [server + (" *(disturbed)*" if g.disturbed else ""),
               f"{len(g.used)} / {len(g.ok)} / {len(g.all)}", fmt(g.med(rate_key(tag)), digits), per_round,
               fmt(g.med("p50_us")), fmt(g.med("p99_us")), fmt(rss / 1024 if rss else None),
               fmt(hwm / 1024 if hwm else None), fmt(g.med("srv_cpu_pct")), fmt(g.med("other_cpu_pct"))]
        if tag == "large":
            row.append(fmt_growth(growth.get((size, server))))
        if extra:
            row.append(fmt(g.med(extra[1]), extra[2]))
        cells[server] = (g, rss, hwm)
        lines.append("| " + " | ".join(row) + " |")
    if ours in cells and theirs in cells:
        (go, rss_o, hwm_o), (gt, rss_t, hwm_t) = cells[ours], cells[theirs]
        row = ["**ours ÷ gearmand**", "", "**" + ratio(go.med(rate_key(tag)), gt.med(rate_key(tag))) + "**", "",
               ratio(go.med("p50_us"), gt.med("p50_us")), ratio(go.med("p99_us"), gt.med("p99_us")),
               ratio(rss_o, rss_t), ratio(hwm_o, hwm_t), ratio(go.med("srv_cpu_pct"), gt.med("srv_cpu_pct")), ""]
        if tag == "large":
            row.append("")
        if extra:
            row.append(ratio(go.med(extra[1]), gt.med(extra[1])))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def generate(results_path, doc_path, ours, theirs, max_other):
    runs, meta, commands = read_results(results_path)
    runs_by_server_round = OrderedDict()
    for r in runs:
        runs_by_server_round.setdefault((r.get("server"), r.get("round")), []).append(r)

    buckets = OrderedDict()
    for r in runs:
        tag = r.get("tag", r.get("scenario"))
        size = r.get("size") if tag == "large" else None
        buckets.setdefault((tag, size, r.get("server", "?")), []).append(r)
    groups = {key: Group(rs, max_other) for key, rs in buckets.items()}
    servers = [s for s in (ours, theirs) if any(k[2] == s for k in groups)]
    servers += sorted({k[2] for k in groups} - set(servers))

    growth = {}
    for (tag, size, server), g in groups.items():
        if tag == "large":
            growth[(size, server)] = growth_of(rss_growth(runs_by_server_round, r) for r in g.used)

    keys = sorted({(tag, size) for (tag, size, _) in groups},
                  key=lambda k: (TAG_ORDER.index(k[0]) if k[0] in TAG_ORDER else 99, int(k[1] or 0)))

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    dirty = meta.get("dirty", "?")
    out = [BEGIN,
           "<!-- Generated by bench/bench_report.py from the Bench target's result file; edits here are overwritten. -->",
           "",
           "## Single node against gearmand",
           "",
           f"Generated {now} by `dotnet cake --target=Bench` ({meta.get('started', '?')} – {meta.get('finished', '?')}). "
           f"Commit **{meta.get('commit', '?')}**"
           + (" (clean tree)" if dirty == "no" else f" with a **dirty tree** ({meta.get('dirty_files', '?')})" if dirty == "yes" else "")
           + f"; {meta.get('rounds', '?')} round(s), quick={meta.get('quick', '?')}"
           + (f", scenarios {meta['scenarios']}" if meta.get("scenarios") else "")
           + f", our server `{meta.get('ours_flags', '')}`.",
           "",
           f"Medians over rounds of runs with `status=ok` and `other_cpu_pct` ≤ {max_other:g}; a run above that is "
           "flagged ⚠ in \"per round\" and left out unless no run of that row is quiet (the row is then *disturbed*). "
           "RSS is the end-of-run VmRSS, HWM the largest VmHWM (it grows over a server's life, through the suite). "
           "÷ is ours divided by gearmand: above 1 is better for rates, below 1 is better for latency, memory and CPU.",
           ""]
    if meta.get("quick") == "True":
        out += ["> **Quick run** (`--bench-quick`): smaller job counts and sizes than the official figures; "
                "for checking the pipeline, not for comparison.", ""]

    out += ["### Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in machine(meta)]
    out += ["", "### Targets", ""]
    out += targets_table(groups, ours, theirs, growth)
    out += ["", "RSS growth ÷ payload: per run, the server's VmHWM after that size's run minus its VmRSS after the "
            "result line before it, divided by the payload size; the median over rounds. When the run did not raise "
            "VmHWM (an earlier scenario had set a higher peak), the figure is only an upper bound, shown with ≤.", ""]

    out += ["### Summary", "", "| scenario | gearmand | ours | ÷ rate | ÷ p50 | ÷ p99 | ÷ HWM | ÷ srv cpu |",
            "|---|---|---|---|---|---|---|---|"]
    for tag, size in keys:
        go, gt = groups.get((tag, size, ours)), groups.get((tag, size, theirs))
        name = tag + (f" {size_label(size)}" if size else "")
        digits = 1 if tag == "large" else 0
        unit = rate_unit(tag)
        rate_o = go.med(rate_key(tag)) if go else None
        rate_t = gt.med(rate_key(tag)) if gt else None
        out.append(
            f"| {name} | {fmt(rate_t, digits)} {unit if rate_t is not None else ''} | {fmt(rate_o, digits)} {unit if rate_o is not None else ''} "
            f"| **{ratio(rate_o, rate_t)}** | {ratio(go.med('p50_us') if go else None, gt.med('p50_us') if gt else None)} "
            f"| {ratio(go.med('p99_us') if go else None, gt.med('p99_us') if gt else None)} "
            f"| {ratio(go.max('srv_hwm_kb') if go else None, gt.max('srv_hwm_kb') if gt else None)} "
            f"| {ratio(go.med('srv_cpu_pct') if go else None, gt.med('srv_cpu_pct') if gt else None)} |")
    out.append("")

    out += ["### Per scenario", ""]
    for tag, size in keys:
        out += [f"#### {tag}" + (f" {size_label(size)}" if size else ""), ""]
        out += scenario_table(tag, size, groups, servers, ours, theirs, growth, max_other)
        out.append("")

    out += ["### Commands", "", "```sh"] + [re.sub(r"--server-pid \d+", "--server-pid PID", c) for c in commands] + ["```", ""]

    rel = os.path.relpath(results_path, os.path.dirname(os.path.abspath(doc_path)))
    tracked = subprocess.run(["git", "check-ignore", "-q", results_path], capture_output=True).returncode == 1 \
        and not rel.startswith("..")
    raw = []
    with open(results_path) as fh:
        raw = [l.rstrip("\n") for l in fh]
    if tracked:
        out += [f"Raw result lines ({len(runs)} runs, with `#` lines for each server start): [`{os.path.basename(results_path)}`]({rel}).", ""]
    else:
        out += [f"<details><summary>Raw result lines ({len(runs)} runs; the result file was {results_path})</summary>", "",
                "```"] + raw + ["```", "", "</details>", ""]
    out.append(END)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--ours", default="gearman-actors")
    ap.add_argument("--theirs", default="gearmand")
    ap.add_argument("--max-other", type=float, default=20)
    ap.add_argument("--stdout", action="store_true", help="print the section instead of writing the doc")
    a = ap.parse_args()

    section = generate(a.results, a.doc, a.ours, a.theirs, a.max_other)
    if a.stdout:
        print(section)
        return
    write_section(a.doc, section, BEGIN, END)
    print(f"bench_report.py: wrote the generated section of {a.doc}")


if __name__ == "__main__":
    main()
