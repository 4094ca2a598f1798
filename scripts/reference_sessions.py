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

With --classify (this mode alone needs ua-parser, 1.x or Debian's 0.x, and PyYAML,
which scripts/install-deps.sh installs), each request is classified as issue 12 says,
and the sessions get five more columns, `page_views,is_bot,browser,os,device`:
- a page view: method GET or POST, status 200-299 or 304, and a path (the
  request target up to its first `?`) whose last segment does not end in
  `.EXT` for one of the asset extensions, ASCII case-insensitive (issue 12's
  defaults; --asset-extensions as sessionize's: a comma-separated list that
  replaces them, or adds to them when its first item is `default`);
- a bot's request: ua-parser's device family is `Spider`, or the user agent is
  empty or `-` (a format without one, `common`, logs none: that says nothing of
  bots, and its families are ua-parser's for an empty one), or the request is
  `GET /robots.txt`;
- `page_views` counts a session's page views, `is_bot` is whether any of its
  requests was a bot's (`true`/`false`);
- browser, os, device: ua-parser's families (`Other` where no rule matches) of
  the session's first event: the earliest, and of those logged in the same
  second the one with the bytewise smallest (path, referrer, user agent) as
  displayed (escapes undone, `-` empty, bytes that are no printable UTF-8
  written `\\xHH`).
User agents are classified as logged (escapes kept), decoded from UTF-8 with
surrogateescape; ua-parser 1.x's BasicResolver (or, where it is missing, Debian's
python3-ua-parser 0.x) reads --regexes (Debian's uap-core by default). Each
distinct user agent is classified once.

Usage: reference_sessions.py --host NAME [--format combined|common] [--gap SECONDS]
       [--classify [--regexes PATH] [--asset-extensions LIST]] FILE
"""
import argparse
import datetime as dt
import os
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

# Issue 12's default asset extensions.
ASSET_EXTENSIONS = frozenset(
    b"css js mjs map gif jpg jpeg png bmp ico svg svgz webp avif tif tiff ttf otf eot woff woff2 swf class "
    b"xml rss txt mp4 webm mp3 ogg wav m4a".split())
UAP_CORE = "/usr/share/uap-core/regexes.yaml"


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


# --- classification (issue 12) -------------------------------------------------------------------

def split_request(request):
    """`GET /a/b.png?x=1 HTTP/1.1` -> (b"GET", b"/a/b.png"): the first word, and the second up to `?`."""
    method, _, rest = request.partition(b" ")
    target = rest.lstrip(b" ").split(b" ", 1)[0]
    return method, target.split(b"?", 1)[0]


def asset_extensions(given):
    """`css,js` -> those; `default,webmanifest` -> the defaults and those."""
    names = [e.strip().lstrip(".").lower().encode() for e in given.split(",") if e.strip()]
    return ASSET_EXTENSIONS | set(names[1:]) if names[:1] == [b"default"] else frozenset(names)


def is_asset(path, extensions):
    last = path.rsplit(b"/", 1)[-1].lower()
    return any(last.endswith(b"." + e) for e in extensions)


def is_page_view(method, status, path, extensions):
    return (method in (b"GET", b"POST") and (200 <= status <= 299 or status == 304)
            and not is_asset(path, extensions))


UNESCAPE = re.compile(rb'\\(["\\]|x[0-9A-Fa-f]{2})')


def display(raw):
    """A logged field as sessiontail shows it (SPEC §2): `-` is nothing; `\\"`, `\\\\` and `\\xHH` undone;
    then what is not printable UTF-8 (control characters, C1 controls, invalid bytes) written `\\xHH`."""
    if raw == b"-":
        return b""
    text = UNESCAPE.sub(lambda m: bytes([int(m.group(1)[1:], 16)]) if len(m.group(1)) == 3 else m.group(1), raw)
    out = []
    for ch in text.decode("utf-8", "surrogateescape"):
        c = ord(ch)
        if 0xDC80 <= c <= 0xDCFF:  # a byte that is not part of valid UTF-8
            out.append(b"\\x%02X" % (c - 0xDC00))
        elif c < 0x20 or 0x7F <= c < 0xA0:
            out.append(b"".join(b"\\x%02X" % b for b in ch.encode("utf-8")))
        else:
            out.append(ch.encode("utf-8"))
    return b"".join(out)


class UserAgents:
    """ua-parser's families (browser, os, device) of user agents as logged, each distinct one resolved once:
    by ua-parser 1.x's BasicResolver (PyPI, which scripts/install-deps.sh installs) or, where that is
    missing, by Debian's python3-ua-parser (0.x, `user_agent_parser.Parse`), both reading `regexes`."""

    def __init__(self, regexes):
        self.families = {}  # ua bytes -> (browser, os, device)
        try:
            from ua_parser import BasicResolver, Domain
            from ua_parser.loaders import load_yaml
        except ImportError:
            self.parse = self.legacy_parser(regexes)
            return
        if load_yaml is None:
            sys.exit("reference_sessions.py: --classify needs PyYAML; scripts/install-deps.sh installs it (pip)")
        resolver = BasicResolver(load_yaml(regexes))

        def parse(ua):
            result = resolver(ua, Domain.ALL).complete().with_defaults()
            return result.user_agent.family, result.os.family, result.device.family
        self.parse = parse

    @staticmethod
    def legacy_parser(regexes):
        os.environ["UA_PARSER_YAML"] = regexes  # read when user_agent_parser is first imported
        try:
            from ua_parser import user_agent_parser
        except ImportError as error:
            sys.exit(f"reference_sessions.py: --classify needs ua-parser and PyYAML ({error}); "
                     "scripts/install-deps.sh installs them (pip)")

        def parse(ua):
            result = user_agent_parser.Parse(ua)
            return tuple(result[domain]["family"] or "Other" for domain in ("user_agent", "os", "device"))
        return parse

    def of(self, ua):
        """(browser, os, device) of the user agent's bytes (`Other` where no rule matches)."""
        if ua not in self.families:
            try:
                self.families[ua] = self.parse(ua.decode("utf-8", "surrogateescape"))
            except Exception as error:  # ua-parser raises on some replacements (a missing group): show it
                failed = f"!ua-parser raised {type(error).__name__}: {error}"
                self.families[ua] = (failed, failed, failed)
        return self.families[ua]

    def is_bot(self, ua):
        return ua in (b"", b"-") or self.of(ua)[2] == "Spider"


def family_bytes(family):
    # ua-parser's families hold what the user agent held (surrogates for bytes that were not UTF-8).
    return csv_field(family.encode("utf-8", "surrogateescape"))


# --- main ----------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--format", choices=sorted(FORMATS), default="combined", help="log format (default combined)")
    ap.add_argument("--gap", type=int, default=300, help="session gap in seconds (default 300)")
    ap.add_argument("--classify", action="store_true",
                    help="add page_views,is_bot,browser,os,device (needs ua-parser and PyYAML)")
    ap.add_argument("--regexes", default=UAP_CORE, help=f"ua-parser's regexes.yaml (default {UAP_CORE})")
    ap.add_argument("--asset-extensions", type=asset_extensions, default=ASSET_EXTENSIONS, metavar="LIST",
                    help="asset extensions, comma-separated; `default,...` adds to issue 12's defaults")
    ap.add_argument("file")
    args = ap.parse_args(argv)

    host = args.host.lower()
    classify = args.classify
    agents = UserAgents(args.regexes) if classify else None
    # ip(bytes) -> list of events: (time, bytes, is_error) or, classifying,
    # (time, bytes, is_error, is_page_view, is_bot_request, path, referrer, user_agent)
    events = {}
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
        event = (t, nbytes, status >= 400)
        if classify:
            method, path = split_request(m.group(3))
            referrer, ua = (m.group(6), m.group(7)) if args.format == "combined" else (b"-", b"")
            robots = method == b"GET" and path == b"/robots.txt"
            event += (is_page_view(method, status, path, args.asset_extensions), robots, path, referrer, ua)
        events.setdefault(m.group(1), []).append(event)

    # Sessions: per ip, events sorted by time (stable: file order among equal times).
    sessions = []  # (ip, [events])
    for ip in sorted(events):  # bytes sort == byte-wise ordinal order
        cur = None
        for e in sorted(events[ip], key=lambda e: e[0]):
            if cur is not None and e[0] - cur[-1][0] <= args.gap:
                cur.append(e)
            else:
                cur = [e]
                sessions.append((ip, cur))

    firsts = []
    if classify:
        for _, evs in sessions:
            start = evs[0][0]
            tied = [e for e in evs if e[0] == start]
            firsts.append(min(tied, key=lambda e: (display(e[5]), display(e[6]), display(e[7])))
                          if len(tied) > 1 else tied[0])

    out = sys.stdout.buffer
    header = b"host,ip,session_start,session_end,event_count,bytes,error_count"
    out.write(header + (b",page_views,is_bot,browser,os,device\n" if classify else b"\n"))
    nevents = 0
    hb = host.encode("utf-8")
    for n, (ip, evs) in enumerate(sessions):
        nevents += len(evs)
        row = b"%s,%s,%s,%s,%d,%d,%d" % (
            csv_field(hb), csv_field(ip), iso(evs[0][0]).encode(), iso(evs[-1][0]).encode(),
            len(evs), sum(e[1] for e in evs), sum(e[2] for e in evs))
        if classify:
            page_views = sum(e[3] for e in evs)
            # A format that logs no user agent (common) says nothing of bots by it.
            bot = any(e[4] or (args.format == "combined" and agents.is_bot(e[7])) for e in evs)
            browser, os_family, device = agents.of(firsts[n][7])
            row += b",%d,%s,%s,%s,%s" % (page_views, b"true" if bot else b"false", family_bytes(browser),
                                         family_bytes(os_family), family_bytes(device))
        out.write(row + b"\n")
    out.flush()
    print(f"{unmatched} unmatched lines", file=sys.stderr)
    print(f"{extra} lines with extra fields", file=sys.stderr)
    print(f"{lines} lines: {nevents} events, {unmatched} unmatched, {bad_time} bad time; "
          f"{len(sessions)} sessions", file=sys.stderr)
    if classify:
        print(f"{len(agents.families)} distinct user agents", file=sys.stderr)
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
