"""Times commands side by side and prints each figure next to its floors.

Used by scripts/bench. Each figure runs the newsdesk command, the same command
connecting to the server directly (past the embedded database's connection
pool), and each floor, in turn, many times, so that all see the same machine
load. It reports medians, the ratio to the first floor (the one the target is
set against), the others for comparison, peak memory and the target.

A figure: {"name", "command", "target", "floors": [{"label", "argv", "env"}],
"env" and "direct_env" (optional)}. "{n}" in an argument becomes the run's number, for
commands that must differ each time.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(argv, env, n):
    """Wall time in ms and peak RSS in KiB of one run; fails loudly on a non-zero exit."""
    argv = [word.replace("{n}", str(n)) for word in argv]
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed with exit {process.returncode}: {process.stderr.read().decode()}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss


def compare(figure, env, runs):
    floors = figure["floors"]
    variants = [("newsdesk", figure["command"], dict(env, **figure.get("env", {})))]
    if "direct_env" in figure:
        variants.append(("direct", figure["command"], dict(env, **figure["direct_env"])))
    variants += [(floor["label"], floor["argv"], dict(env, **floor.get("env", {}))) for floor in floors]
    times = {label: [] for label, _, _ in variants}
    memory = []
    for n in range(max(5, runs // 10) + runs):  # the first runs warm caches, the server's too
        for label, argv, variant_env in variants:
            elapsed, rss = run_once(argv, variant_env, n)
            if n >= max(5, runs // 10):
                times[label].append(elapsed)
                if label == "newsdesk":
                    memory.append(rss)
    medians = {label: statistics.median(values) for label, values in times.items()}
    first_floor = floors[0]["label"]
    return {
        "figure": figure["name"],
        "medians_ms": {label: round(value, 2) for label, value in medians.items()},
        "ratio": round(medians["newsdesk"] / medians[first_floor], 2),
        "ratios": {label: round(medians["newsdesk"] / value, 2) for label, value in medians.items() if label != "newsdesk"},
        "target": figure["target"],
        "newsdesk_p90_ms": round(statistics.quantiles(times["newsdesk"], n=10)[-1], 2),
        "peak_rss_mb": round(max(memory) / 1024, 1),
        "runs": runs,
    }


def main():
    spec = json.loads(sys.argv[1])
    env = dict(os.environ)
    for figure in spec["figures"]:
        row = compare(figure, env, spec["runs"])
        print(f"{row['figure']}")
        medians = row["medians_ms"]
        print(f"    newsdesk {medians['newsdesk']:.2f} ms (p90 {row['newsdesk_p90_ms']:.2f} ms, peak RSS {row['peak_rss_mb']:.1f} MB)"
              f"; {row['ratio']:.2f}x the {figure['floors'][0]['label']} (target {row['target']})")
        for label, value in medians.items():
            if label != "newsdesk":
                print(f"    {label + ':':<40} {value:>7.2f} ms   newsdesk is {row['ratios'][label]:.2f}x")
        if spec.get("json_out"):
            with open(spec["json_out"], "a") as out:
                out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
