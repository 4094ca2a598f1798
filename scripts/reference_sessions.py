#!/usr/bin/env python3
"""Independent reference sessionizer for sessiontail (SPEC §1-§3), Python 3 stdlib only.

Parses Apache/nginx `combined` or `common` access logs with a CLF regex, groups
events by (client as written, --host lower-cased), and splits each key's
time-sorted events into Flink-style session windows: an event joins the current
session iff event_time - latest event time of the session <= gap (so a gap of
exactly `gap` seconds stays in the same session).

Quoted fields are strict (SPEC §2): a field ends at its first quote that no
backslash escapes (`\"`, `\\`; nginx writes `\x22`), and what follows must be
what the format says follows; a line whose quotes do not fit (one glued to part of
the next, say) does not match. After the format's last field, extra fields after a
space are allowed and counted.

Output: CSV `host,ip,session_start,session_end,event_count,bytes,error_count`
sorted by host, ip (byte-wise), session_start. The number of lines that did not
match the regex (and the other counts) go to stderr.

Usage: reference_sessions.py --host NAME [--format combined|common] [--gap SECONDS] FILE
"""
import argparse
import datetime as dt
import re
import sys

# A quoted field: no bare quote inside, a backslash escapes the byte after it.
QUOTED = rb'"((?:[^"\\]|\\.)*)"'
# The response size is a number or `-` (SPEC: anything else is a bad line, `bad_bytes`).
COMMON = rb'^(\S+) \S+ \S+ \[([^\]]+)\] ' + QUOTED + rb' (\d{3}) (\d+|-)'
FORMATS = {
    "common": re.compile(COMMON + rb'( .*)?$'),
    "combined": re.compile(COMMON + rb' ' + QUOTED + rb' ' + QUOTED + rb'( .*)?$'),
}
TIME = re.compile(rb'^(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$')
MONTHS = {m: i + 1 for i, m in enumerate(
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"])}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def parse_time(raw):
    """`10/Oct/2000:13:55:36 -0700` -> integer seconds since the epoch (UTC), or None."""
    m = TIME.match(raw)
    if not m or m.group(2) not in MONTHS:
        return None
    day, _, year, hh, mm, ss, sign, oh, om = m.groups()
    try:
        local = dt.datetime(int(year), MONTHS[m.group(2)], int(day), int(hh), int(mm), int(ss),
                            tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    offset = (int(oh) * 3600 + int(om) * 60) * (1 if sign == b"+" else -1)
    return int((local - EPOCH).total_seconds()) - offset


def iso(t):
    return (EPOCH + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--format", choices=sorted(FORMATS), default="combined", help="log format (default combined)")
    ap.add_argument("--gap", type=int, default=300, help="session gap in seconds (default 300)")
    ap.add_argument("file")
    args = ap.parse_args(argv)

    host = args.host.lower()
    events = {}  # ip(bytes) -> list of (time, bytes, is_error)
    clf = FORMATS[args.format]
    lines = unmatched = bad_time = extra = 0
    unmatched_lines = []
    with open(args.file, "rb") as f:
        data = f.read()
    physical = data.split(b"\n")
    if physical and physical[-1] == b"":
        physical.pop()  # file ends with a newline: no extra empty line
    for lineno, line in enumerate(physical, 1):
        lines += 1
        if line.endswith(b"\r"):
            line = line[:-1]
        m = clf.match(line)
        if not m:
            unmatched += 1
            unmatched_lines.append(lineno)
            continue
        t = parse_time(m.group(2))
        if t is None:
            bad_time += 1
            unmatched_lines.append(lineno)
            continue
        if m.group(m.re.groups) is not None:
            extra += 1
        size = m.group(5)
        nbytes = 0 if size == b"-" else int(size)
        status = int(m.group(4))
        events.setdefault(m.group(1), []).append((t, nbytes, status >= 400))

    out = sys.stdout.buffer
    out.write(b"host,ip,session_start,session_end,event_count,bytes,error_count\n")
    nsessions = nevents = 0
    hb = host.encode("utf-8")
    for ip in sorted(events):  # bytes sort == byte-wise ordinal order
        evs = sorted(events[ip], key=lambda e: e[0])
        sessions = []
        cur = None
        for t, nbytes, err in evs:
            nevents += 1
            if cur is not None and t - cur[1] <= args.gap:
                cur[1] = t
                cur[2] += 1
                cur[3] += nbytes
                cur[4] += err
            else:
                cur = [t, t, 1, nbytes, int(err)]
                sessions.append(cur)
        for start, end, count, nbytes, errs in sessions:
            nsessions += 1
            out.write(b"%s,%s,%s,%s,%d,%d,%d\n" % (
                csv_field(hb), csv_field(ip), iso(start).encode(), iso(end).encode(),
                count, nbytes, errs))
    out.flush()
    print(f"{unmatched} unmatched lines", file=sys.stderr)
    print(f"{extra} lines with extra fields", file=sys.stderr)
    print(f"{lines} lines: {nevents} events, {unmatched} unmatched, {bad_time} bad time; "
          f"{nsessions} sessions", file=sys.stderr)
    if unmatched_lines:
        shown = ",".join(str(n) for n in unmatched_lines[:200])
        print(f"unmatched line numbers: {shown}{' ...' if len(unmatched_lines) > 200 else ''}",
              file=sys.stderr)
    return 0


def csv_field(b):
    if any(c in b for c in b',"\r\n'):
        return b'"' + b.replace(b'"', b'""') + b'"'
    return b


if __name__ == "__main__":
    sys.exit(main())
