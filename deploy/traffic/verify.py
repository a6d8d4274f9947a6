#!/usr/bin/env python3
"""Check traffic.sql's output against counts computed here from the input.

    deploy/traffic/verify.py --input DIR --output DIR [--quiet]

Reads every CSV file in the input directory, classifies each pass with the
rules of README.md (written again here, independently of the SQL):

    future   event_ts > ingest_ts + 1 minute
    late     event_ts < ingest_ts - 3 minutes
    counted  everything else, in the window [minute of event_ts, +1 minute)

then reads the job's committed files (OUTPUT/flow and OUTPUT/rejects; hidden
in-progress files are ignored), prints the flow table (minutes down,
checkpoints across, '!' marks a cell that differs) and a last line
`VERDICT: EXACT` (exit 0) or `VERDICT: MISMATCH <what>` (exit 1).
"""

import argparse
import collections
import csv
import datetime as dt
import os
import sys

MINUTE = 60_000
EPOCH = dt.datetime(1970, 1, 1)


def ms(text):
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            d = dt.datetime.strptime(text, fmt)
            return (d - EPOCH) // dt.timedelta(milliseconds=1)
        except ValueError:
            pass
    raise ValueError("not a timestamp: %r" % text)


def hhmm(t):
    return (EPOCH + dt.timedelta(milliseconds=t)).strftime("%H:%M")


def day_hhmm(t):
    return (EPOCH + dt.timedelta(milliseconds=t)).strftime("%Y-%m-%d %H:%M")


def data_files(d):
    """Visible files under d (Flink's in-progress files start with '.')."""
    out = []
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if not x.startswith((".", "_"))]
        out += [os.path.join(root, f) for f in files if not f.startswith((".", "_"))]
    return sorted(out)


def rows(path):
    with open(path, newline="") as f:
        for n, row in enumerate(csv.reader(f), start=1):
            if row:
                yield n, row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--quiet", action="store_true", help="no flow table, only the summary")
    a = ap.parse_args()

    # ---- expected, from the input
    expected = collections.Counter()  # (checkpoint, window start ms) -> passes
    expected_rejects = {}  # pass_id -> reason
    total = 0
    inputs = data_files(a.input)
    if not inputs:
        print("VERDICT: MISMATCH no input files in %s" % a.input)
        return 1
    for path in inputs:
        for n, row in rows(path):
            pass_id, cp, event, ingest = int(row[0]), row[1], ms(row[4]), ms(row[5])
            total += 1
            if event > ingest + MINUTE:
                expected_rejects[pass_id] = "future"
            elif event < ingest - 3 * MINUTE:
                expected_rejects[pass_id] = "late"
            else:
                expected[(cp, event - event % MINUTE)] += 1

    # ---- actual, from the job's committed output
    problems = []
    actual = {}
    duplicates = 0
    flow_files = data_files(os.path.join(a.output, "flow"))
    for path in flow_files:
        for n, row in rows(path):
            cp, start, end, count = row[0], ms(row[1]), ms(row[2]), int(row[3])
            if end - start != MINUTE or start % MINUTE:
                problems.append("window %s..%s is not one whole minute (%s:%d)"
                                % (row[1], row[2], path, n))
            if (cp, start) in actual:
                duplicates += 1
                actual[(cp, start)] += count
            else:
                actual[(cp, start)] = count
    rejects = {}
    reject_dupes = 0
    for path in data_files(os.path.join(a.output, "rejects")):
        for n, row in rows(path):
            reason, pass_id = row[0], int(row[1])
            if pass_id in rejects:
                reject_dupes += 1
            rejects[pass_id] = reason

    # ---- the flow table
    checkpoints = sorted({cp for cp, _ in expected} | {cp for cp, _ in actual})
    minutes = sorted({t for _, t in expected} | {t for _, t in actual})
    wrong = [k for k in set(expected) | set(actual) if expected.get(k, 0) != actual.get(k, 0)]
    wrong_set = set(wrong)
    if not a.quiet and minutes:
        print("vehicle passes per checkpoint per minute (event time), from %s"
              % (os.path.join(a.output, "flow")))
        print("%-16s" % "window" + "".join("%7s" % cp for cp in checkpoints) + "%8s" % "all")
        for t in minutes:
            cells = []
            for cp in checkpoints:
                got = actual.get((cp, t))
                mark = "!" if (cp, t) in wrong_set else " "
                cells.append("%6s%s" % ("-" if got is None else got, mark))
            print("%-16s" % (day_hhmm(t) if t == minutes[0] else hhmm(t)) + "".join(cells)
                  + "%8d" % sum(actual.get((cp, t), 0) for cp in checkpoints))
        print("%-16s" % "all" + "".join("%7d" % sum(actual.get((cp, t), 0) for t in minutes)
                                        for cp in checkpoints)
              + "%8d" % sum(actual.values()))
        print()

    # ---- comparison
    by_reason = collections.Counter(rejects.values())
    exp_reason = collections.Counter(expected_rejects.values())
    counted = sum(actual.values())
    print("input: %d passes in %d files; expected %d counted in %d windows, %d late, %d future-dated"
          % (total, len(inputs), sum(expected.values()), len(expected), exp_reason["late"],
             exp_reason["future"]))
    print("job:   %d counted in %d windows (%d files); rejects: %s"
          % (counted, len(actual), len(flow_files),
             ", ".join("%d %s" % (v, k) for k, v in sorted(by_reason.items())) or "none"))
    print("every pass accounted for: %d counted + %d rejected = %d of %d"
          % (counted, len(rejects), counted + len(rejects), total))

    if not flow_files:
        problems.append("no committed flow output in %s" % os.path.join(a.output, "flow"))
    if wrong:
        wrong.sort(key=lambda k: (k[1], k[0]))
        shown = ", ".join("%s %s expected %d got %s" % (cp, hhmm(t), expected.get((cp, t), 0),
                                                         actual.get((cp, t), "none"))
                          for cp, t in wrong[:5])
        problems.append("%d windows differ (%s%s)" % (len(wrong), shown,
                                                       ", ..." if len(wrong) > 5 else ""))
    if duplicates:
        problems.append("%d windows appear more than once" % duplicates)
    if reject_dupes:
        problems.append("%d passes rejected more than once" % reject_dupes)
    if by_reason["behind-watermark"]:
        problems.append("%d passes fell behind the watermark (input not in ingest order per reader?)"
                        % by_reason["behind-watermark"])
    for reason in ("late", "future"):
        exp_ids = {p for p, r in expected_rejects.items() if r == reason}
        got_ids = {p for p, r in rejects.items() if r == reason}
        if exp_ids != got_ids:
            problems.append("%s rejects differ: %d expected, %d reported, %d missing, %d extra"
                            % (reason, len(exp_ids), len(got_ids), len(exp_ids - got_ids),
                               len(got_ids - exp_ids)))
    if counted + len(rejects) != total and not problems:
        problems.append("%d passes unaccounted for" % (total - counted - len(rejects)))

    if problems:
        print("VERDICT: MISMATCH " + "; ".join(problems))
        return 1
    print("VERDICT: EXACT")
    return 0


if __name__ == "__main__":
    sys.exit(main())
