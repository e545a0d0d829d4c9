"""Times commands side by side and prints each figure next to its floor.

Used by scripts/bench. Each figure runs the newsdesk command and its floor
alternately, many times, so that both see the same machine load; it reports
medians, the ratio, peak memory and the target.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(argv, env):
    """Wall time in ms and peak RSS in KiB of one run; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed with exit {process.returncode}: {process.stderr.read().decode()}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss


def compare(name, command, floor, env, floor_env, runs, target):
    for _ in range(max(5, runs // 10)):  # warm caches, the server's too
        run_once(command, env)
        run_once(floor, floor_env)
    ours, theirs, memory = [], [], []
    for _ in range(runs):
        elapsed, rss = run_once(command, env)
        ours.append(elapsed)
        memory.append(rss)
        theirs.append(run_once(floor, floor_env)[0])
    ours_median = statistics.median(ours)
    floor_median = statistics.median(theirs)
    return {
        "figure": name,
        "newsdesk_ms": round(ours_median, 2),
        "floor_ms": round(floor_median, 2),
        "ratio": round(ours_median / floor_median, 2),
        "target": target,
        "newsdesk_p90_ms": round(statistics.quantiles(ours, n=10)[-1], 2),
        "peak_rss_mb": round(max(memory) / 1024, 1),
        "runs": runs,
    }


def main():
    spec = json.loads(sys.argv[1])
    env = dict(os.environ)
    rows = [compare(f["name"], f["command"], f["floor"], env, dict(env, **f.get("floor_env", {})), spec["runs"], f["target"])
            for f in spec["figures"]]
    print(f"{'figure':<44} {'newsdesk':>10} {'floor (C)':>10} {'ratio':>7}  {'target':<8} {'p90':>8} {'peak RSS':>9}")
    for row in rows:
        print(f"{row['figure']:<44} {row['newsdesk_ms']:>8.2f}ms {row['floor_ms']:>8.2f}ms {row['ratio']:>7.2f}  "
              f"{row['target']:<8} {row['newsdesk_p90_ms']:>6.2f}ms {row['peak_rss_mb']:>7.1f}MB")
    if spec.get("json_out"):
        with open(spec["json_out"], "w") as out:
            json.dump(rows, out, indent=2)


if __name__ == "__main__":
    main()
