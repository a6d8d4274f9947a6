#!/usr/bin/env python3
"""Generate vehicle passes at road checkpoints (卡口) as CSV files for traffic.sql.

    deploy/traffic/generate.py --out DIR [--seed N] [--minutes M] [--rate R] ...

One file per collector, DIR/collector-<region>.csv, each holding the passes of
that region's checkpoints in the order the collector received them (ingest
time). Rows have no header:

    pass_id,checkpoint_id,plate,speed_kmh,event_ts,ingest_ts

event_ts is the camera's clock when the vehicle passed, ingest_ts the
collector's clock when the record arrived; both 'YYYY-MM-DD HH:MM:SS.mmm'.
The same seed and options give the same bytes. The directory receives the
collector files and nothing else; a summary goes to stdout.

What the data contains (README.md has the rules the job applies):
  * most passes arrive 0.2 s to 90 s after they happened, so within a file event
    times are out of order by up to 90 s;
  * a few cameras run a couple of seconds fast;
  * late passes: a camera that buffered during an uplink outage, and sporadic
    uploads 10 to 40 minutes after the pass;
  * future-dated passes: a camera whose clock jumped two hours ahead for a few
    minutes, and sporadic clock glitches of 5 minutes to 3 days;
  * four passes exactly on and one millisecond past each rule's boundary.
"""

import argparse
import datetime as dt
import math
import os
import random
import sys

START = dt.datetime(2026, 3, 2, 7, 30, 0)  # a Monday morning rush
REGIONS = ["north", "east", "south", "west"]
MINUTE = 60_000
FUTURE_MS = 1 * MINUTE  # the job's rule: event_ts > ingest_ts + 1 min is future-dated
LATE_MS = 3 * MINUTE  # the job's rule: event_ts < ingest_ts - 3 min is late


def stamp(ms):
    t = START + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (ms % 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="input directory for the job (created)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--minutes", type=int, default=30, help="event-time span (default 30)")
    ap.add_argument("--rate", type=float, default=90.0,
                    help="mean passes per checkpoint per minute (default 90)")
    ap.add_argument("--checkpoints-per-region", type=int, default=3)
    ap.add_argument("--late-fraction", type=float, default=0.01)
    ap.add_argument("--future-fraction", type=float, default=0.004)
    a = ap.parse_args()
    if a.minutes < 20:
        ap.error("--minutes must be at least 20 (the outage and clock-jump episodes need room)")

    rng = random.Random(a.seed)
    checkpoints = ["%s-%02d" % (r[0].upper(), i + 1)
                   for r in REGIONS for i in range(a.checkpoints_per_region)]
    region_of = {cp: r for r in REGIONS for cp in checkpoints if cp[0] == r[0].upper()}
    weight = {cp: rng.uniform(0.5, 1.5) for cp in checkpoints}
    fast_clock = {cp: rng.random() < 0.25 for cp in checkpoints}
    plates = ["%s%s-%05d" % (rng.choice("JHSYGZ"), rng.choice("ABCDEFGHKLM"), rng.randrange(100000))
              for _ in range(20000)]

    # Episodes, placed relative to the span so that any --minutes >= 20 works.
    span = a.minutes * MINUTE
    outage_cp, jump_cp = rng.sample(checkpoints, 2)
    outage = (int(span * 0.60), int(span * 0.70))  # uplink down; buffered passes uploaded later
    outage_upload = int(span * 0.90)
    jump = (int(span * 0.30), int(span * 0.40))  # camera clock two hours ahead

    passes = []  # (true_ms, checkpoint) -> later (event_ms, ingest_ms)
    for cp in checkpoints:
        for m in range(a.minutes):
            # Rush hour: the flow rises to a peak two thirds into the span.
            shape = 0.55 + 0.9 * math.exp(-((m / a.minutes - 0.66) ** 2) / 0.08)
            per_ms = a.rate * weight[cp] * shape / MINUTE
            t = rng.expovariate(per_ms)
            while t < MINUTE:
                passes.append((m * MINUTE + int(t), cp))
                t += rng.expovariate(per_ms)
    passes.sort()

    rows = []
    kinds = {"on time": 0, "late": 0, "future": 0, "boundary": 0}
    for pass_id, (true_ms, cp) in enumerate(passes, start=1):
        skew = rng.randint(500, 3000) if fast_clock[cp] else 0
        u = rng.random()
        delay = rng.randint(200, 15_000) if u < 0.85 else rng.randint(15_000, 90_000)
        kind = "on time"
        if cp == outage_cp and outage[0] <= true_ms < outage[1]:
            delay = outage_upload - true_ms + rng.randint(0, 20_000)
            kind = "late"
        elif cp == jump_cp and jump[0] <= true_ms < jump[1]:
            skew = 2 * 60 * MINUTE + rng.randint(0, 999)
            kind = "future"
        elif rng.random() < a.late_fraction:
            delay = rng.randint(10 * MINUTE, 40 * MINUTE)
            kind = "late"
        elif rng.random() < a.future_fraction:
            skew = rng.randint(5 * MINUTE, 3 * 24 * 60 * MINUTE)
            kind = "future"
        event, ingest = true_ms + skew, true_ms + delay
        rows.append([pass_id, cp, rng.choice(plates), rng.randint(20, 110), event, ingest])
        kinds[kind] += 1

    # Boundary passes: ingest - event exactly 3 min is on time, 1 ms more is late;
    # event - ingest exactly 1 min is on time (a badly set clock), 1 ms more is future.
    base = len(rows)
    mid = span // 2
    for i, (event_off, cp) in enumerate([(-LATE_MS, checkpoints[0]), (-LATE_MS - 1, checkpoints[1]),
                                         (FUTURE_MS, checkpoints[2]), (FUTURE_MS + 1, checkpoints[3])]):
        ingest = mid + 7_000 + i
        rows.append([base + i + 1, cp, rng.choice(plates), 50, ingest + event_off, ingest])
        kinds["boundary"] += 1

    os.makedirs(a.out, exist_ok=True)
    ours = {"collector-%s.csv" % r for r in REGIONS}
    foreign = [f for f in os.listdir(a.out) if f not in ours]
    if foreign:
        sys.exit("generate.py: %s holds other files (%s); give an empty or new directory"
                 % (a.out, ", ".join(sorted(foreign)[:3])))
    files = {}
    for r in REGIONS:
        mine = sorted((x for x in rows if region_of[x[1]] == r), key=lambda x: (x[5], x[0]))
        path = os.path.join(a.out, "collector-%s.csv" % r)
        with open(path, "w", newline="\n") as f:
            for pid, cp, plate, speed, event, ingest in mine:
                f.write("%d,%s,%s,%d,%s,%s\n" % (pid, cp, plate, speed, stamp(event), stamp(ingest)))
        files[path] = len(mine)

    print("generated %d passes at %d checkpoints, %d minutes from %s, seed %d"
          % (len(rows), len(checkpoints), a.minutes, START, a.seed))
    print("  on time %(on time)d, late %(late)d, future-dated %(future)d, boundary cases %(boundary)d"
          % kinds)
    print("  uplink outage at %s, clock jump at %s" % (outage_cp, jump_cp))
    for path, n in files.items():
        print("  %s: %d rows" % (path, n))


if __name__ == "__main__":
    main()
