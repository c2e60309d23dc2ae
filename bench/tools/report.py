#!/usr/bin/env python3
"""Builds the result table of bench/run from the files it left in a work folder.

  report.py WORK_DIR OUT_JSON

WORK_DIR holds, per measured run <phase>_<name>:
  <phase>_<name>.json      wrk's figures (written by bench/wrk/common.lua)
  <phase>_<name>.rss       "VmHWM_kB VmRSS_kB" of the server right after the run
  <phase>_<name>.log       the server's log lines written during the run
and meta.env (KEY=VALUE lines from bench/run), screening.txt (output of the screening bench),
e2e.env (the end-to-end sync + screening run). Prints the table and writes everything as JSON.
"""
import json
import os
import re
import sys

# The order and labels of the table rows: (phase, name, label).
ROWS = [
    ("small", "healthz", "GET /healthz (reference)"),
    ("small", "portal", "POST /api/portal"),
    ("small", "callback", "POST /api/callback (unique installs)"),
    ("small", "launch", "full launch (portal -> redeem -> /kyc)"),
    ("small", "queue", "GET /kyc/queue (50 rows)"),
    ("small", "queue1", "GET /kyc/queue, 1 connection"),
    ("small", "healthz2", "GET /healthz again (reference)"),
    ("scale", "healthz", "GET /healthz (reference)"),
    ("scale", "portal", "POST /api/portal"),
    ("scale", "callback", "POST /api/callback (unique installs)"),
    ("scale", "healthz2", "GET /healthz again (reference)"),
]

# The server's request log line: "... GET /kyc/queue 200 31245 3.127000ms".
LOG_LINE = re.compile(r"\] (GET|POST|PUT|DELETE|HEAD) (\S+) (\d{3}) \S+ ([0-9.]+)ms")


def read_env(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[max(0, min(len(values) - 1, -(-len(values) * p // 100) - 1))]


def log_figures(path):
    """Status counts per route, server-side time (the log's %D) and problem lines of one run."""
    statuses, times, problems = {}, {}, {}
    if not os.path.exists(path):
        return {}
    for line in open(path, errors="replace"):
        m = LOG_LINE.search(line)
        if m:
            method, route, status, ms = m.groups()
            route = method + " " + route.split("?")[0]
            statuses.setdefault(route, {}).setdefault(status, 0)
            statuses[route][status] += 1
            times.setdefault(route, []).append(float(ms))
        lowered = line.lower()
        for word in ("database is locked", "busy", " error ", " warn ", "panicked"):
            if word in lowered:
                problems[word.strip()] = problems.get(word.strip(), 0) + 1
    server_ms = {r: {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99)} for r, v in times.items()}
    return {"statuses": statuses, "server_ms": server_ms, "problem_lines": problems}


def screening_figures(path):
    if not os.path.exists(path):
        return None
    text = open(path).read()
    fig = {"raw_tail": text.strip().splitlines()[-12:]}
    m = re.search(r"version (\S+) — (\d+) entries, (\d+) aliases", text)
    if m:
        fig.update(list_version=m.group(1), entries=int(m.group(2)), aliases=int(m.group(3)))
    m = re.search(r"list: (.+)", text)
    if m:
        fig["list"] = m.group(1).strip()
    m = re.search(r"indexed screen, (\d+) names: mean ([0-9.]+) µs, p50 ([0-9.]+) µs, p99 ([0-9.]+) µs", text)
    if m:
        fig["first_pass"] = {"names": int(m.group(1)), "mean_us": float(m.group(2)),
                             "p50_us": float(m.group(3)), "p99_us": float(m.group(4))}
    m = re.search(r"second pass \(warm\): mean ([0-9.]+) µs, p50 ([0-9.]+) µs, p99 ([0-9.]+) µs", text)
    if m:
        fig["warm_pass"] = {"mean_us": float(m.group(1)), "p50_us": float(m.group(2)),
                            "p99_us": float(m.group(3))}
    m = re.search(r"load ([0-9.]+) ms, index build ([0-9.]+) ms", text)
    if m:
        fig["load_ms"], fig["index_ms"] = float(m.group(1)), float(m.group(2))
    return fig


def children_seconds(path):
    """User + system seconds of a shell's finished children: the second line of bash's `times`
    (e.g. `0m1.250s 0m0.310s`)."""
    try:
        line = open(path).read().splitlines()[1]
    except (OSError, IndexError):
        return 0.0
    total = 0.0
    for part in line.split():
        m = re.fullmatch(r"(\d+)m([0-9.]+)s", part)
        if m:
            total += int(m.group(1)) * 60 + float(m.group(2))
    return total


def cpu_cell(r):
    if "server_cpu_us_per_request" not in r:
        return ""
    return f"{r['server_cpu_us_per_request']:.0f}+{r['wrk_cpu_us_per_request']:.0f}"


def main(work, out_path):
    meta = read_env(os.path.join(work, "meta.env"))
    runs = {}
    for phase, name, label in ROWS:
        base = os.path.join(work, f"{phase}_{name}")
        if not os.path.exists(base + ".json"):
            continue
        r = json.load(open(base + ".json"))
        r["label"] = label
        if os.path.exists(base + ".rss"):
            hwm, rss = open(base + ".rss").read().split()
            r["server_vmhwm_mib"] = int(hwm) / 1024
            r["server_vmrss_mib"] = int(rss) / 1024
        if os.path.exists(base + ".cpu"):
            # CPU time per request (all of the server's threads; wrk's own): it moves less than
            # req/s when the machine loses time to its neighbours (bench/README.md).
            srv_ticks, hz = (int(x) for x in open(base + ".cpu").read().split())
            wrk_s = children_seconds(base + ".times1") - children_seconds(base + ".times0")
            if r.get("requests"):
                r["server_cpu_us_per_request"] = srv_ticks / hz * 1e6 / r["requests"]
                r["wrk_cpu_us_per_request"] = wrk_s * 1e6 / r["requests"]
        r["server_log"] = log_figures(base + ".log")
        runs[f"{phase}_{name}"] = r

    # Ratios to the same phase's /healthz rate: the mean of the run before the phase's other
    # rows and the one after them (this VM's /healthz rate moves by 10-30% from run to run; the
    # two runs bracket the others, and the table shows both).
    references = {}
    for phase in {p for p, _, _ in ROWS}:
        rates = [runs[k]["rps"] for k in (f"{phase}_healthz", f"{phase}_healthz2") if k in runs]
        if rates and all(rates):
            references[phase] = sum(rates) / len(rates)
    for key, r in runs.items():
        phase = key.split("_")[0]
        if phase in references:
            rate = r.get("launches_per_s", r["rps"])
            r["ratio_to_healthz"] = rate / references[phase]
            r["healthz_reference_rps"] = references[phase]

    # Interleaved ratios: rounds of /healthz then the route, a ratio per round (see `interleave`
    # in bench/run); the median is the figure, the range shows the machine's noise.
    interleaved = {}
    for phase, name in (("small", "portal"), ("small", "callback"), ("scale", "portal"), ("scale", "callback")):
        rounds = []
        k = 1
        while os.path.exists(os.path.join(work, f"{phase}_{name}_i{k}_route.json")):
            h = json.load(open(os.path.join(work, f"{phase}_{name}_i{k}_healthz.json")))
            r = json.load(open(os.path.join(work, f"{phase}_{name}_i{k}_route.json")))
            rounds.append({"healthz_rps": h["rps"], "route_rps": r["rps"],
                           "ratio": r["rps"] / h["rps"] if h["rps"] else 0.0,
                           "errors": r["errors_status"] + r["errors_socket"]
                           + h["errors_status"] + h["errors_socket"]})
            k += 1
        if rounds:
            ratios = sorted(x["ratio"] for x in rounds)
            interleaved[f"{phase}_{name}"] = {
                "rounds": rounds, "median_ratio": ratios[len(ratios) // 2],
                "min_ratio": ratios[0], "max_ratio": ratios[-1],
                "errors": sum(x["errors"] for x in rounds)}

    screening = screening_figures(os.path.join(work, "screening.txt"))
    e2e = read_env(os.path.join(work, "e2e.env")) or None

    # ---- the table -------------------------------------------------------------------------
    conns = meta.get("CONNECTIONS", "?")
    print()
    print(f"Results: {meta.get('DATE', '')}, {meta.get('CPU_MODEL', '')} x{meta.get('NPROC', '?')}, "
          f"{conns} connections, {meta.get('DURATION', '?')} s per run")
    hdr = f"{'phase':<6} {'what':<40} {'rate/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x healthz':>9} {'errors':>7} {'srv p99':>8} {'HWM MiB':>8} {'CPU us/req':>11}"
    print(hdr)
    print("-" * len(hdr))
    for phase, name, label in ROWS:
        r = runs.get(f"{phase}_{name}")
        if not r:
            continue
        if "launches_per_s" in r:
            rate, p50, p99 = r["launches_per_s"], r["launch_p50_ms"], r["launch_p99_ms"]
            errors = r["launch_failures"] + r["errors_socket"]
        else:
            rate, p50, p99 = r["rps"], r["p50_ms"], r["p99_ms"]
            errors = r["errors_status"] + r["errors_socket"]
        # Server-side time of the run's main route, from the request log (%D).
        srv = None
        routes = r["server_log"].get("server_ms", {})
        main_route = {"healthz": "GET /healthz", "healthz2": "GET /healthz", "portal": "POST /api/portal",
                      "callback": "POST /api/callback", "launch": "GET /kyc",
                      "queue": "GET /kyc/queue", "queue1": "GET /kyc/queue"}[name]
        if main_route in routes:
            srv = routes[main_route]["p99"]
        ratio = r.get("ratio_to_healthz")
        print(f"{phase:<6} {label:<40} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} "
              f"{'' if ratio is None else f'{ratio:.2f}':>9} {errors:>7} "
              f"{'' if srv is None else f'{srv:.2f}':>8} {r.get('server_vmhwm_mib', 0):>8.1f} "
              f"{cpu_cell(r):>11}")
    print("(launch row: launches/s and latency of a whole launch = 4 requests; 'x healthz' = rate / mean of the phase's two /healthz runs;\n"
          " errors = responses >= 400 or failed launches + socket errors; srv p99 = server-side time from the request log;\n"
          " CPU us/req = CPU time per HTTP request of the server (all threads) + of wrk)")
    if interleaved:
        print(f"interleaved ({meta.get('SLICES', '?')} rounds of {meta.get('SLICE', '?')} s /healthz then "
              f"{meta.get('SLICE', '?')} s the route; x healthz per round, median (min-max)):")
        print("  " + "; ".join(
            f"{key.replace('_', ' ')} {v['median_ratio']:.2f} ({v['min_ratio']:.2f}-{v['max_ratio']:.2f})"
            + (f", {v['errors']} errors" if v["errors"] else "")
            for key, v in interleaved.items()))
    if screening and "first_pass" in screening:
        f, w = screening["first_pass"], screening.get("warm_pass", {})
        print(f"screening, one identity vs {screening.get('list', '?')} "
              f"({screening.get('entries', '?')} entries, {screening.get('aliases', '?')} aliases): "
              f"first pass mean {f['mean_us'] / 1000:.3f} ms, p50 {f['p50_us'] / 1000:.3f} ms, p99 {f['p99_us'] / 1000:.3f} ms "
              f"({f['names']} names); warm mean {w.get('mean_us', 0) / 1000:.3f} ms, p99 {w.get('p99_us', 0) / 1000:.3f} ms")
    elif screening is None:
        print("screening: skipped")
    if e2e:
        if e2e.get("STATUS") == "ok":
            print(f"sync + screen through the app's own jobs (sandbox, {e2e['N']} identities, one job = one core): "
                  f"sync {e2e['SYNC_S']} s, screen {e2e['SCREEN_S']} s, total {e2e['TOTAL_S']} s = {e2e['IDENTITIES_PER_S']} identities/s "
                  f"-> 100k at this rate ~ {e2e['EXTRAPOLATED_100K_S']} s")
        else:
            print(f"sync + screen through the app's jobs: {e2e.get('STATUS')}")
    batch = None
    batch_path = os.path.join(work, "batch.out.json")
    if os.path.exists(batch_path):
        with open(batch_path) as f:
            batch = json.load(f)
    if batch and "identities" in batch:
        print(f"batch: {batch['identities']} identities assessed (checks + screening + risk) in "
              f"{batch['seconds']:.1f} s on {batch['threads']} threads = {batch['identities_per_second']:.0f} identities/s "
              f"(+ {batch['load_seconds']:.1f} s loading); {batch['with_hits']} with hits")
    elif batch:
        print(f"batch: {batch.get('error')}")
    else:
        print("batch: skipped")
    for key in ("SCALE_INSTALLS", "SCALE_SESSIONS"):
        if key in meta:
            print(f"{key.lower()}: {meta[key]}")

    result = {
        "date": meta.get("DATE"),
        "machine": {"nproc": meta.get("NPROC"), "cpu_model": meta.get("CPU_MODEL"),
                    "mem_total": meta.get("MEM_TOTAL"), "kernel": meta.get("KERNEL")},
        "settings": {k.lower(): v for k, v in meta.items()
                     if k not in ("DATE", "NPROC", "CPU_MODEL", "MEM_TOTAL", "KERNEL")},
        "runs": runs,
        "interleaved": interleaved,
        "screening": screening,
        "sync_and_screen_job": e2e,
        "batch_screening": batch,
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"\nwritten to {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
