#!/usr/bin/env python3
"""Simulated visitors for `make demo`: real HTTP requests to a web server on loopback.

    demo-visitors.py site DIR
        writes the three demo sites' pages and assets into DIR/HOST/ (the server's roots)
    demo-visitors.py run --port PORT [--seconds 60] [--gap 10] [--seed 7] [--expected FILE]
        drives the visitors against 127.0.0.1:PORT for about --seconds, then prints a summary

People (browser user agents) land on a page from a search engine, a newsletter (utm_ query string) or
directly, fetch the page's stylesheet, script and images with the page as referrer, then follow a few
internal links a few seconds apart; some come back after a pause longer than the session gap (a second
session), one goes on from www.dataexpert.io to learn.dataexpert.io, some mistype a path (404).
Bots: Googlebot and bingbot read /robots.txt and then pages only, an uptime check (curl) asks for / every
few seconds, a scanner without a user agent probes for admin pages (404s).

Every visitor sends from an address of its own: the client socket is bound to 127.0.X.Y before it
connects (all of 127.0.0.0/8 is loopback on Linux), so the server logs a different $remote_addr for
each. Within a session requests are at most 5 s apart, between two sessions of a visitor at least
16 s, so that with the demo's 10 s gap the sessions are the same whatever the timing.

With --expected FILE the sessions the visitors made (by --gap, from the moments each request was
answered) are written there as CSV: host,ip,event_count, one line per session, sorted.
Standard library only.
"""
import argparse
import http.client
import os
import random
import sys
import threading
import time
from collections import Counter

# Per host: pages (path -> title, internal links) and the assets every page uses. A path ending in /
# is served as its index.html, another without an extension as PATH.html (try_files in the demo's
# nginx.conf). www.dataexpert.io has no favicon.ico: browsers asking for it get a 404.
SITES = {
    "www.techcreator.io": {
        "pages": {
            "/": ("TechCreator", ["/courses", "/blog/", "/about"]),
            "/courses": ("Courses", ["/courses/swift-basics.html", "/courses/linux-servers.html", "/"]),
            "/courses/swift-basics.html": ("Swift basics", ["/courses", "/blog/x.html"]),
            "/courses/linux-servers.html": ("Linux servers", ["/courses", "/blog/nginx-logs.html"]),
            "/blog/": ("Blog", ["/blog/x.html", "/blog/nginx-logs.html", "/"]),
            "/blog/x.html": ("Why X", ["/blog/", "/courses"]),
            "/blog/nginx-logs.html": ("Reading nginx logs", ["/blog/", "/courses/linux-servers.html"]),
            "/about": ("About", ["/", "/courses"]),
        },
        "assets": {"/static/app.css": 18_000, "/static/app.js": 64_000, "/img/logo.png": 7_400,
                   "/favicon.ico": 1_150},
    },
    "learn.dataexpert.io": {
        "pages": {
            "/": ("Learn", ["/courses/", "/login"]),
            "/courses/": ("Courses", ["/courses/sql-101.html", "/courses/flink-windows.html", "/"]),
            "/courses/sql-101.html": ("SQL 101", ["/lessons/window-functions.html", "/courses/"]),
            "/courses/flink-windows.html": ("Flink windows", ["/lessons/session-windows.html", "/courses/"]),
            "/lessons/window-functions.html": ("Window functions", ["/lessons/session-windows.html", "/courses/"]),
            "/lessons/session-windows.html": ("Session windows", ["/lessons/window-functions.html", "/courses/"]),
            "/login": ("Log in", ["/"]),
        },
        "assets": {"/static/learn.css": 22_000, "/static/player.js": 120_000, "/img/logo.png": 6_100,
                   "/favicon.ico": 1_150},
    },
    "www.dataexpert.io": {
        "pages": {
            "/": ("DataExpert", ["/pricing", "/blog/", "/about"]),
            "/pricing": ("Pricing", ["/", "/about"]),
            "/about": ("About", ["/", "/pricing"]),
            "/blog/": ("Blog", ["/blog/flink-sessions.html", "/"]),
            "/blog/flink-sessions.html": ("Sessions with Flink", ["/blog/", "/pricing"]),
        },
        "assets": {"/static/site.css": 15_000, "/img/hero.jpg": 96_000, "/img/logo.png": 5_800},
    },
}
# Paths people mistype or follow from stale links (404).
TYPOS = {"www.techcreator.io": "/courses/swift-basic", "learn.dataexpert.io": "/lessons/windows",
         "www.dataexpert.io": "/prices"}

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
]
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
CURL = "curl/7.88.1"
SEARCHES = ["https://www.google.com/", "https://duckduckgo.com/", "https://www.bing.com/search?q=flink+sessions"]
CAMPAIGNS = ["?utm_source=newsletter&utm_medium=email&utm_campaign=december",
             "?utm_source=twitter&utm_medium=social", "?utm_source=google&utm_medium=cpc&utm_campaign=courses"]


def write_site(root):
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
    for host, site in SITES.items():
        def put(path, data):
            if path.endswith("/"):
                path += "index.html"
            elif "." not in os.path.basename(path):
                path += ".html"
            full = os.path.join(root, host, path.lstrip("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
        for n, (path, (title, links)) in enumerate(sorted(site["pages"].items())):
            head = "".join('<link rel="stylesheet" href="%s">' % a if a.endswith(".css") else
                           '<script src="%s"></script>' % a if a.endswith(".js") else ""
                           for a in site["assets"])
            body = "".join('<img src="%s">' % a for a in site["assets"] if a.startswith("/img/"))
            body += "".join('<a href="%s">%s</a>\n' % (l, site["pages"][l][0]) for l in links)
            page = "<!doctype html><title>%s — %s</title>%s\n<h1>%s</h1>%s<p>%s</p>\n" % (
                title, host, head, title, body, filler * (20 + 15 * n))
            put(path, page.encode())
        for path, size in site["assets"].items():
            put(path, (b"/* %s */\n" % path.encode()).ljust(size, b"."))
        put("/robots.txt", b"User-agent: *\nDisallow: /login\n")


class Visitor:
    """One client address and user agent, and its requests: (seconds from the start, host, path, referrer)."""

    def __init__(self, kind, address, agent):
        self.kind, self.address, self.agent = kind, address, agent
        self.plan = []

    def page_view(self, t, host, path, referrer, with_assets):
        self.plan.append((t, host, path, referrer))
        if with_assets:
            page_url = "https://%s%s" % (host, path)
            for i, asset in enumerate(SITES[host]["assets"]):
                self.plan.append((t + 0.05 * (i + 1), host, asset, page_url))
            if "/favicon.ico" not in SITES[host]["assets"]:
                self.plan.append((t + 0.3, host, "/favicon.ico", page_url))


def browse(rng, visitor, host, t, pages, landing_referrer, assets_loaded):
    """A person's session on host from t: a landing page, then internal links 2-5 s apart. Returns the
    time of its last request."""
    site = SITES[host]["pages"]
    path = rng.choice(list(site))
    query = rng.choice(CAMPAIGNS) if landing_referrer is None and rng.random() < 0.6 else ""
    visitor.page_view(t, host, path + query, landing_referrer or "-", not assets_loaded)
    for _ in range(pages - 1):
        t += rng.uniform(2.0, 5.0)
        referrer = "https://%s%s" % (host, path)
        if rng.random() < 0.08:
            visitor.plan.append((t, host, TYPOS[host], referrer))
            continue
        path = rng.choice(site[path][1])
        visitor.page_view(t, host, path, referrer, False)
    return t


def make_visitors(rng, seconds):
    visitors = []
    hosts = list(SITES)
    weights = [10, 8, 6]
    for n in range(36):
        v = Visitor("person", "127.0.1.%d" % (n + 10), rng.choice(BROWSERS))
        onward = n in (5, 17)
        host = "www.dataexpert.io" if onward else rng.choices(hosts, weights)[0]
        start = rng.uniform(0, seconds - 15)
        referrer = rng.choice(SEARCHES + [None, None])
        end = browse(rng, v, host, start, rng.randint(1, 5), referrer, False)
        if onward:
            # On to the courses: the same person on another virtual host is another session.
            end = browse(rng, v, "learn.dataexpert.io", end + rng.uniform(1, 3), rng.randint(2, 4),
                         "https://www.dataexpert.io/", False)
        back = end + rng.uniform(16, 22)
        if n % 3 == 0 and back < seconds - 3:
            # Back after a pause longer than the gap: a second session, the browser's cache still warm.
            browse(rng, v, host, back, rng.randint(1, 3), None, True)
        visitors.append(v)
    # Bots: no assets, pages at a steady pace.
    for n, (host, agent) in enumerate([("www.techcreator.io", GOOGLEBOT), ("learn.dataexpert.io", GOOGLEBOT),
                                       ("www.dataexpert.io", BINGBOT)]):
        v = Visitor("bot", "127.0.2.%d" % (n + 10), agent)
        t = rng.uniform(0, 10)
        v.plan.append((t, host, "/robots.txt", "-"))
        for path in sorted(SITES[host]["pages"]):
            if path == "/login":
                continue
            t += rng.uniform(1.0, 3.0)
            v.plan.append((t, host, path, "-"))
        visitors.append(v)
    uptime = Visitor("bot", "127.0.2.20", CURL)
    t = 0.5
    while t < seconds - 1:
        uptime.plan.append((t, "learn.dataexpert.io", "/", "-"))
        t += 4.0
    visitors.append(uptime)
    scanner = Visitor("bot", "127.0.2.30", None)
    t = seconds * 0.4
    for path in ["/wp-login.php", "/.env", "/admin/", "/phpmyadmin/", "/.git/config"]:
        scanner.plan.append((t, "www.dataexpert.io", path, "-"))
        t += 0.4
    visitors.append(scanner)
    for v in visitors:
        # About a minute in all: what a visitor would still do after it is left out.
        v.plan = sorted((r for r in v.plan if r[0] <= seconds), key=lambda r: r[0])
    return [v for v in visitors if v.plan]


def drive(visitor, port, started, done, lock):
    conn = None
    for t, host, path, referrer in visitor.plan:
        delay = started + t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        headers = {"Host": host, "Accept": "*/*"}
        if visitor.agent is not None:
            headers["User-Agent"] = visitor.agent
        if referrer != "-":
            headers["Referer"] = referrer
        for attempt in range(2):
            try:
                if conn is None:
                    # Binding the socket to the visitor's own loopback address before it connects is what
                    # makes nginx log that address as $remote_addr.
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                                      source_address=(visitor.address, 0))
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                break
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                status = None
        with lock:
            done.append((time.time(), host, visitor.address, visitor.kind, status))
        if visitor.agent in (CURL, None) and conn is not None:
            conn.close()  # curl and the scanner open a connection per request
            conn = None
    if conn is not None:
        conn.close()


def run(a):
    rng = random.Random(a.seed)
    visitors = make_visitors(rng, a.seconds)
    done, lock = [], threading.Lock()
    started = time.monotonic()
    threads = [threading.Thread(target=drive, args=(v, a.port, started, done, lock), daemon=True) for v in visitors]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started

    statuses = Counter(r[4] for r in done)
    failed = statuses.pop(None, 0)
    people = sum(1 for v in visitors if v.kind == "person")
    by_key = {}
    for when, host, address, _, status in done:
        if status is not None:
            by_key.setdefault((host, address), []).append(when)
    sessions = []
    for (host, address), times in by_key.items():
        times.sort()
        count = 1
        for previous, current in zip(times, times[1:]):
            if current - previous > a.gap:
                sessions.append((host, address, count))
                count = 0
            count += 1
        sessions.append((host, address, count))
    sessions.sort()
    print("%d visitors (%d people, %d bots) sent %d requests in %.0f s: %s%s" % (
        len(visitors), people, len(visitors) - people, len(done), elapsed,
        ", ".join("%d × %s" % (n, s) for s, n in sorted(statuses.items())),
        ", %d failed" % failed if failed else ""))
    per_host = Counter(s[0] for s in sessions)
    print("by the visitors' own count (a new session after %g s without a request): %d sessions (%s)" % (
        a.gap, len(sessions), ", ".join("%s %d" % (h, per_host[h]) for h in sorted(per_host))))
    if a.expected:
        with open(a.expected, "w") as f:
            f.write("host,ip,event_count\n")
            for s in sessions:
                f.write("%s,%s,%d\n" % s)
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("site")
    s.add_argument("dir")
    r = sub.add_parser("run")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--seconds", type=float, default=60)
    r.add_argument("--gap", type=float, default=10)
    r.add_argument("--seed", type=int, default=7)
    r.add_argument("--expected")
    a = p.parse_args()
    if a.command == "site":
        write_site(a.dir)
        return 0
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
