#!/usr/bin/env python3
"""Writes a deterministic access log (combined format) of visits for checking the classification
(issue 12) against scripts/reference_sessions.py --classify. Python 3 stdlib only.

Like real traffic, and with the corners the rules have:
- thousands of distinct user agents: browsers on many platforms and versions, phones and tablets by
  model, apps, feed readers, TVs, consoles, plus a sample of the real ones in uap-core's own test files
  (when /usr/share/uap-core is there); about a fifth of the requests from crawlers and tools, some with
  no user agent (`-` or empty), some fetching `/robots.txt` (and `/robots.txt?x=1`, a bot's too: the
  path is taken without the query; `HEAD /robots.txt` and `/ROBOTS.TXT`, which are no bot's by the rules);
- about half of the requests for assets, extensions in any case (`.PNG`, `.Css`), some with a query
  string, and paths that only look like assets (`/img.png/`, `/a.css.php`, `/q?f=a.css`);
- GET mostly, POST, HEAD, OPTIONS, PUT, lower-case `get`; statuses 200, 201, 204, 206, 301, 302, 304,
  400, 403, 404, 500; `-` sizes;
- several requests in the session's first second (a page and its assets, or two browsers behind one
  address), so that the first event is chosen by path, referrer and user agent; gaps of exactly the
  session gap and one second more; lines out of order by up to 40 s; escapes (`\\"`, `\\xHH`) and
  non-ASCII text in user agents and referrers; IPv6 clients.

Usage: visits-log.py [--seed N] [--visitors N] [--uap-core DIR] > FILE
"""
import argparse
import datetime as dt
import os
import random
import re

BROWSER_TEMPLATES = [
    "Mozilla/5.0 ({win}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} Safari/537.36",
    "Mozilla/5.0 ({win}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} Safari/537.36 Edg/{edge}",
    "Mozilla/5.0 ({win}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} Safari/537.36 OPR/{opera}",
    "Mozilla/5.0 ({win}; rv:{ff}) Gecko/20100101 Firefox/{ff}",
    "Mozilla/5.0 ({mac}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{safari} Safari/605.1.15",
    "Mozilla/5.0 ({mac}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} Safari/537.36",
    "Mozilla/5.0 ({mac}; rv:{ff}) Gecko/20100101 Firefox/{ff}",
    "Mozilla/5.0 ({linux}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} Safari/537.36",
    "Mozilla/5.0 ({linux}; rv:{ff}) Gecko/20100101 Firefox/{ff}",
    "Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/{safari} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/{chrome} Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{safari} "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 [FBAN/FBIOS;FBAV/{app};FBBV/{build};FBDV/iPhone{iphone};FBMD/iPhone;FBSN/iOS;FBSV/{iosdot};"
    "FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/5]",
    "Mozilla/5.0 (Linux; Android {android}; {model}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android {android}; {model} Build/{build_id}; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/{chrome} Mobile Safari/537.36 Instagram {app} Android",
    "Mozilla/5.0 (Linux; Android {android}; {model}) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/{samsung} Chrome/{chrome} Mobile Safari/537.36",
    "Mozilla/5.0 (Android {android}; Mobile; rv:{ff}) Gecko/{ff} Firefox/{ff}",
    "Mozilla/5.0 (Linux; U; Android {android}; en-US; {model} Build/{build_id}) AppleWebKit/534.30 (KHTML, like "
    "Gecko) Version/4.0 UCBrowser/{uc} U3/0.8.0 Mobile Safari/534.30",
    "Mozilla/5.0 (Linux; Android {android}; {tablet}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} "
    "Safari/537.36",
    "Mozilla/5.0 (compatible; MSIE {msie}; Windows NT {nt}; Trident/{trident})",
    "Mozilla/5.0 (Windows NT {nt}; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (SMART-TV; Linux; Tizen {tizen}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{samsung} "
    "Chrome/{chrome} TV Safari/537.36",
    "Mozilla/5.0 (PlayStation; PlayStation 5/{ps}) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    "Mozilla/5.0 (X11; CrOS x86_64 {cros}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} Safari/537.36",
    "Opera/9.80 (Android; Opera Mini/{operamini}/191.{build}; U; en) Presto/2.12.423 Version/12.16",
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {subs} subscribers; like FeedFetcher-Google)",
    "NetNewsWire (RSS Reader; https://netnewswire.com/) {app}",
    "Dalvik/2.1.0 (Linux; U; Android {android}; {model} Build/{build_id})",
    "okhttp/{okhttp}",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome} "
    "Safari/537.36 (Edition \\\"Campaign {app}\\\")",
]

BOT_TEMPLATES = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{chrome} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Googlebot-Image/1.0",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) "
    "Chrome/{chrome} Safari/537.36",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/600.2.5 (KHTML, like Gecko) Version/8.0.2 "
    "Safari/600.2.5 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.{minor}; +https://openai.com/gptbot)",
    "Mozilla/5.0 (compatible; archive.org_bot +http://archive.org/details/archive.org_bot)",
    "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)",
    "curl/{curl}",
    "Wget/1.{wget} (linux-gnu)",
    "python-requests/2.{requests}",
    "Python-urllib/3.{py}",
    "Go-http-client/1.1",
    "Java/1.8.0_{java}",
    "Apache-HttpClient/4.5.{minor} (Java/11.0.{minor})",
    "Scrapy/2.{minor}.0 (+https://scrapy.org)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/{chrome} Safari/537.36",
    "Screaming Frog SEO Spider/{minor}.0",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Mozilla/5.0 (compatible; \\\"crawler\\\" \\x22quoted\\x22; +http://example.org/bot)",
    "Mozilla/5.0 (compatible; Bot-caf\\xC3\\xA9/1.{minor}; +http://example.org/)",
]

WINDOWS = ["Windows NT 10.0; Win64; x64", "Windows NT 10.0; WOW64", "Windows NT 6.1; Win64; x64", "Windows NT 6.3",
           "Windows NT 10.0", "Windows NT 6.1", "Windows NT 5.1"]
MACS = ["Macintosh; Intel Mac OS X 10_15_7", "Macintosh; Intel Mac OS X 10_14_6", "Macintosh; Intel Mac OS X 13_5",
        "Macintosh; Intel Mac OS X 10.15", "Macintosh; Intel Mac OS X 10_13_6"]
LINUXES = ["X11; Linux x86_64", "X11; Ubuntu; Linux x86_64", "X11; Fedora; Linux x86_64", "X11; Linux i686",
           "X11; Linux aarch64", "X11; FreeBSD amd64"]
PHONES = ["SM-G991B", "SM-S918B", "SM-A536B", "SM-G973F", "SM-N986U", "Pixel 7", "Pixel 6a", "Pixel 4 XL",
          "Redmi Note 8 Pro", "M2101K6G", "CPH2449", "ONEPLUS A6013", "moto g(60)", "moto e(7) plus", "LM-Q720",
          "HUAWEI P30 lite", "ELE-L29", "Nokia G20", "vivo 1906", "RMX3085", "TECNO KG5", "Infinix X6816",
          "SM-J260F", "SAMSUNG SM-A127F", "HTC One M9", "XQ-BC52", "G8441", "K", "ZTE Blade A51", "Mi A2 Lite"]
TABLETS = ["SM-T870", "SM-X200", "Lenovo TB-X606F", "KFTRWI", "Nexus 9", "MediaPad T5", "SM-P610"]
ANDROIDS = ["14", "13", "12", "11", "10", "9", "8.1.0", "7.0", "6.0.1", "5.1.1", "4.4.2"]

PAGES = ["/", "/index.html", "/about", "/about/", "/contact", "/blog/", "/blog/2024/03/visits-not-hits",
         "/blog/2024/02/session-windows.html", "/products/", "/products/widget-{n}", "/search", "/docs/{n}/intro",
         "/api/v1/items.json", "/download/sessiontail-{n}.tar.gz", "/index.php", "/wiki/Main_Page", "/fr/accueil",
         "/img.png/", "/a.css.php", "/.hidden", "/page.", "/cart", "/checkout", "/login", "/feed", "/Caf\\xC3\\xA9"]
ASSETS = ["/css/site.css", "/css/print.Css", "/js/app.js", "/js/vendor.min.js", "/js/module.mjs",
          "/js/app.js.map", "/img/logo.png", "/img/LOGO.PNG", "/img/hero-{n}.jpg", "/img/photo{n}.JPEG",
          "/img/icon.svg", "/img/banner.webp", "/img/a.avif", "/favicon.ico", "/fonts/inter.woff2",
          "/fonts/inter.woff", "/fonts/icons.ttf", "/fonts/x.EOT", "/sitemap.xml", "/feed.rss", "/humans.txt",
          "/media/intro.mp4", "/media/clip.WEBM", "/audio/a.mp3", "/img/x.gif", "/img/x.bmp", "/img/x.tiff",
          "/old/app.swf", "/applet/Main.class", "/img/logo.svgz", "/.css"]
QUERIES = ["?utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale", "?page={n}", "?q=session+tail",
           "?v={n}", "?ref=home", "?f=a.css", "?file=x.png&x=1", ""]
REFERRERS = ["-", "-", "-", "https://www.google.com/", "https://www.bing.com/search?q=sessiontail",
             "https://duckduckgo.com/", "https://news.ycombinator.com/item?id={n}", "https://t.co/abc{n}",
             "android-app://com.google.android.gm/", "https://www.example.com/", "http://www.example.com/blog/",
             "https://example.com/products/", "https://r\\xC3\\xA9f\\xC3\\xA9rent.example/caf\\xC3\\xA9", ""]


def fill(template, r):
    def version(a, b, parts=4):
        v = [str(r.randint(a, b))] + [str(r.randint(0, 5999 if i == 1 else 200)) for i in range(1, parts)]
        return ".".join(v)
    values = {
        "win": r.choice(WINDOWS), "mac": r.choice(MACS), "linux": r.choice(LINUXES),
        "chrome": version(49, 125), "edge": version(79, 125), "opera": version(60, 110), "ff": f"{r.randint(45, 126)}.0",
        "safari": f"{r.randint(9, 17)}.{r.randint(0, 6)}", "ios": f"{r.randint(9, 17)}_{r.randint(0, 6)}",
        "iosdot": f"{r.randint(9, 17)}.{r.randint(0, 6)}", "app": f"{r.randint(100, 460)}.0.0.{r.randint(0, 60)}",
        "build": str(r.randint(100000, 999999)), "iphone": f"{r.randint(8, 15)},{r.randint(1, 8)}",
        "android": r.choice(ANDROIDS), "model": r.choice(PHONES), "tablet": r.choice(TABLETS),
        "build_id": r.choice(["TP1A.220624.014", "RP1A.200720.012", "QKQ1.190910.002", "PPR1.180610.011", "MMB29M"]),
        "samsung": f"{r.randint(9, 24)}.{r.randint(0, 2)}", "uc": f"{r.randint(9, 13)}.{r.randint(0, 9)}.{r.randint(0, 9)}",
        "msie": r.choice(["9.0", "10.0", "8.0"]), "nt": r.choice(["6.1", "6.2", "6.3", "10.0"]),
        "trident": r.choice(["5.0", "6.0", "7.0"]), "tizen": f"{r.randint(2, 7)}.0", "ps": f"{r.randint(2, 8)}.00",
        "cros": f"{r.randint(13000, 15800)}.{r.randint(0, 99)}.0", "operamini": f"{r.randint(4, 8)}.{r.randint(0, 9)}",
        "subs": str(r.randint(1, 5000)), "okhttp": f"{r.randint(3, 4)}.{r.randint(0, 12)}.{r.randint(0, 3)}",
        "curl": f"{r.randint(7, 8)}.{r.randint(0, 88)}.{r.randint(0, 3)}", "wget": str(r.randint(11, 21)),
        "requests": str(r.randint(18, 32)), "py": str(r.randint(6, 12)), "java": str(r.randint(60, 400)),
        "minor": str(r.randint(0, 20)),
    }
    return template.format(**values)


def uap_core_agents(directory, r, limit):
    """A sample of the real user agents in uap-core's test files, as a log would hold them: quotes and
    backslashes escaped as Apache writes them, other non-printable bytes `\\xHH`."""
    found = []
    for name in ["tests/test_ua.yaml", "tests/test_device.yaml", "tests/test_os.yaml"]:
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"\s*- user_agent_string: (.*)$", line)
                if not m:
                    continue
                value = m.group(1).strip()
                if len(value) >= 2 and value[0] == value[-1] == "'":
                    value = value[1:-1].replace("''", "'")
                elif len(value) >= 2 and value[0] == value[-1] == '"':
                    continue  # double-quoted YAML has escapes of its own; the single-quoted ones are plenty
                found.append(value)
    found = sorted(set(found))
    sample = r.sample(found, min(limit, len(found)))
    return [log_escape(ua) for ua in sample]


def log_escape(text):
    out = []
    for b in text.encode("utf-8"):
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif b < 0x20 or b >= 0x7F:
            out.append("\\x%02x" % b)
        else:
            out.append(chr(b))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--visitors", type=int, default=2000, help="human visitors (default 2000)")
    ap.add_argument("--uap-core", default="/usr/share/uap-core", help="uap-core's directory, for real user agents")
    args = ap.parse_args()
    r = random.Random(args.seed)

    humans = sorted({fill(r.choice(BROWSER_TEMPLATES), r) for _ in range(args.visitors)})
    humans += uap_core_agents(args.uap_core, r, args.visitors // 4)
    r.shuffle(humans)  # visitors take them in turn: most have one of their own
    bots = sorted({fill(t, r) for t in BOT_TEMPLATES for _ in range(4)})
    start = int(dt.datetime(2024, 3, 10, 6, 0, tzinfo=dt.timezone.utc).timestamp())
    span = 36 * 3600
    gap = 300
    lines = []  # (time, order, text)

    def address(i, v6=False):
        if v6:
            return "2001:db8:%x::%x" % (i // 250, i % 250 + 1)
        return "%d.%d.%d.%d" % (10 + i % 200, (i * 7) % 256, (i * 13) % 256, i % 250 + 1)

    def path_of(kind, n):
        template = r.choice(PAGES if kind == "page" else ASSETS)
        p = template.format(n=n)
        if r.random() < (0.35 if kind == "page" else 0.1):
            p += r.choice(QUERIES).format(n=r.randint(1, 50))
        return p

    def emit(t, client, method, path, status, size, referrer, ua, request=None):
        if request is None:
            request = f"{method} {path} HTTP/1.1"
        offset = r.choice([0, 0, 0, 60, -300, 330])  # the same instant, written with other UTC offsets
        local = dt.datetime.fromtimestamp(t + offset * 60, dt.timezone.utc)
        zone = ("+" if offset >= 0 else "-") + "%02d%02d" % divmod(abs(offset), 60)
        stamp = local.strftime("%d/%b/%Y:%H:%M:%S ") + zone
        lines.append((t, len(lines), f'{client} - - [{stamp}] "{request}" {status} {size} "{referrer}" "{ua}"'))

    def status_for(kind, method):
        x = r.random()
        if method == "POST":
            return r.choice([200, 201, 204, 302, 303, 400, 403])
        if method in ("OPTIONS", "PUT"):
            return r.choice([200, 204, 405])
        if kind == "asset":
            return 304 if x < 0.25 else 404 if x < 0.3 else 206 if x < 0.32 else 200
        return 404 if x < 0.06 else 301 if x < 0.09 else 302 if x < 0.11 else 500 if x < 0.12 else \
            304 if x < 0.17 else 400 if x < 0.18 else 299 if x < 0.19 else 300 if x < 0.2 else 200

    def size_for(status):
        return "-" if status in (304, 204) or r.random() < 0.02 else str(r.randint(0, 90000))

    # People: sessions of page views, each page followed by its assets, mostly in the same second.
    for i in range(args.visitors):
        client = address(i, v6=i % 17 == 0)
        ua = humans[i % len(humans)] if r.random() > 0.015 else r.choice(["-", ""])
        t = start + r.randint(0, span)
        for _visit in range(r.choice([1, 1, 1, 2, 2, 3])):
            referrer = r.choice(REFERRERS).format(n=r.randint(1, 99999))
            for page in range(r.choice([1, 1, 2, 3, 4, 6, 9])):
                method = r.choices(["GET", "POST", "HEAD", "OPTIONS", "PUT", "get"], [90, 5, 2, 1, 1, 1])[0]
                path = path_of("page", r.randint(1, 40))
                status = status_for("page", method)
                emit(t, client, method, path, status, size_for(status), referrer, ua)
                for _asset in range(r.choice([0, 1, 1, 2, 3])):
                    dt_asset = r.choice([0, 0, 0, 1, 2])
                    emit(t + dt_asset, client, "GET", path_of("asset", r.randint(1, 40)), status_for("asset", "GET"),
                         size_for(200), "https://www.example.com" + path.split("?")[0], ua)
                if r.random() < 0.1:  # another browser behind the same address, in the same second
                    other = r.choice(humans)
                    emit(t, client, "GET", r.choice(["/", path.split("?")[0], "/about"]), 200, size_for(200),
                         r.choice(["-", referrer]), other)
                if r.random() < 0.02:  # a person's browser fetching robots.txt makes the session a bot's
                    method, robots = r.choice([("GET", "/robots.txt"), ("GET", "/robots.txt?x=1"),  # a bot's
                                               ("HEAD", "/robots.txt"), ("GET", "/ROBOTS.TXT"),  # no bot's
                                               ("get", "/robots.txt"), ("GET", "//robots.txt"),
                                               ("GET", "/robots.txt/"), ("POST", "/robots.txt")])
                    emit(t, client, method, robots, r.choice([200, 304, 404]), "-", "-", ua)
                referrer = "https://www.example.com" + path.split("?")[0]
                t += r.choice([1, 5, 20, 45, 120, 299, gap])  # exactly the gap: still the same visit
            t += r.choice([gap + 1, gap + 2, 900, 3600, 7 * 3600])

    # Crawlers and tools: robots.txt first, then pages and some assets, often HEAD; a fifth of the lines.
    target = len(lines) // 3
    made = 0
    k = 0
    while made < target:
        client = address(100000 + k, v6=k % 11 == 0)
        ua = r.choice(bots) if r.random() > 0.05 else r.choice(["-", ""])
        t = start + r.randint(0, span)
        if r.random() < 0.6:
            robots = r.choices(["/robots.txt", "/robots.txt?x=1", "/ROBOTS.TXT", "/robots.txt"], [6, 1, 1, 1])[0]
            emit(t, client, r.choice(["GET", "GET", "GET", "HEAD"]), robots, r.choice([200, 200, 304, 404]), "-",
                 "-", ua)
            made += 1
        for _ in range(r.choice([1, 2, 3, 5, 8, 20])):
            t += r.choice([0, 1, 2, 10, 60, 300, 301])
            method = "HEAD" if r.random() < 0.15 else "GET"
            kind = "asset" if r.random() < 0.3 else "page"
            status = status_for(kind, method)
            emit(t, client, method, path_of(kind, r.randint(1, 400)), status, size_for(status), "-", ua)
            made += 1
        k += 1

    # A few odd request lines: empty, `-` and without a method (no page views), one without protocol.
    for j in range(12):
        t = start + r.randint(0, span)
        client = address(200000 + j)
        for request in ["", "-", " /index.html HTTP/1.1"]:
            emit(t, client, None, None, r.choice([200, 400, 408]), 0, "-", r.choice(humans + ["-"]), request=request)
        emit(t + 1, client, None, None, 200, 12, "-", r.choice(humans), request="GET /old/page.html")
        # A space in the path (the target ends there), an absolute URI, a tab for a space, `*`, TLS bytes.
        for request in ["GET /my page.css HTTP/1.1", "GET /my%20page.css HTTP/1.1", "GET  /two-spaces.css HTTP/1.1",
                        "GET https://www.example.com/app.js?v=2 HTTP/1.1", "GET https://www.example.com/news HTTP/1.1",
                        "GET\\t/tab.css HTTP/1.1", "OPTIONS * HTTP/1.1", "\\x16\\x03\\x01\\x02\\x00\\x01",
                        "POST", "GET /a.css#top HTTP/1.1", "GET /a.css? HTTP/1.1"]:
            emit(t + 2, client, None, None, 200, 12, "-", r.choice(humans), request=request)

    # Written in time order, but shuffled within windows of up to 40 s, as a busy server's log can be.
    lines.sort(key=lambda x: (x[0] + r.randint(0, 40), x[1]))
    out = os.fdopen(1, "w", encoding="ascii", newline="\n")
    for _, _, text in lines:
        out.write(text + "\n")
    out.flush()


if __name__ == "__main__":
    main()
