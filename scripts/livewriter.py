#!/usr/bin/env python3
"""Appends combined-format access log lines stamped with the current time, as a busy web server would.

    livewriter.py --out FILE --rate LINES_PER_S --seconds S [--pool N] [--probes FILE --probe-every S]

Lines come in batches of rate/50 every 20 ms (one write each), from a pool of client addresses. With
--probes, every --probe-every seconds one line from a fresh address (198.18.x.y) is written and
"address epoch_ms" appended to the probes file: the benchmark then times its session's arrival in
PostgreSQL.
"""
import argparse, os, random, time

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--rate", type=float, required=True)
p.add_argument("--seconds", type=float, required=True)
p.add_argument("--pool", type=int, default=20000)
p.add_argument("--probes")
p.add_argument("--probe-every", type=float, default=2.0)
a = p.parse_args()

rng = random.Random(1)
paths = ["/", "/index.html", "/blog/", "/css/site.css", "/js/app.js", "/img/logo.png", "/about", "/search?q=x"]
agents = ["Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def stamp(t):
    g = time.gmtime(t)
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (g.tm_mday, months[g.tm_mon - 1], g.tm_year, g.tm_hour, g.tm_min, g.tm_sec)


def line(ip, t):
    return '%s - - [%s] "GET %s HTTP/1.1" 200 %d "-" "%s"\n' % (
        ip, stamp(t), rng.choice(paths), rng.randint(200, 90000), rng.choice(agents))


per_tick = max(1, int(round(a.rate / 50)))
start = time.time()
next_probe = start + a.probe_every
probe = 0
tick = 0
while True:
    now = time.time()
    if now - start >= a.seconds:
        break
    chunk = "".join(line("10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255), now)
                    for n in (rng.randrange(a.pool) for _ in range(per_tick)))
    if a.probes and now >= next_probe:
        probe += 1
        ip = "198.18.%d.%d" % (probe >> 8, probe & 255)
        chunk += line(ip, now)
        with open(a.probes, "a") as f:
            f.write("%s %d\n" % (ip, int(now * 1000)))
        next_probe += a.probe_every
    fd = os.open(a.out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, chunk.encode())
    os.close(fd)
    tick += 1
    delay = start + tick * 0.02 - time.time()
    if delay > 0:
        time.sleep(delay)
