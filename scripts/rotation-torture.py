#!/usr/bin/env python3
"""One repetition of the rotation torture: `sessiontail run` follows a vhost_combined log that a writer
appends to while real logrotate rotates it, and is stopped and started again on the way.

    rotation-torture.py --seed S --sessiontail BIN --loggen BIN --dir DIR --table TABLE [options]

The log is `loggen --format vhost_combined --seed S` (many clients, a few virtual hosts, event time
advancing). The writer appends it in 5 000-line chunks, about every 50 ms (jittered, each chunk in one
to four writes at line boundaries). Every 6th chunk logrotate runs (`rotate 20`, `compress`,
`delaycompress`, `missingok`, `-f`): up to chunk 30 in `create` mode, the writer then writing 1 000
more lines to its old descriptor before it reopens the path (as nginx does until its USR1 reopen);
after that in `copytruncate` mode, started at a random moment while the writer goes on (logrotate
itself then loses what is written between its copy and its truncation). Before half the rotations
the writer first waits for the daemon to reach the end of the live file, so that the rotation races
a reader that keeps up rather than one far behind. After chunk 15 the daemon
gets SIGTERM, the log is rotated twice (a chunk written in between) and the daemon starts again. At
the end: SIGTERM, then `run --drain`.

Nothing is compared here. DIR/expected.csv is what the table must equal: `sessionize` over the
files left on disk (every rotated file and the live one; `batch_inputs` in DIR/result.json), where a
copy whose original the daemon had read beyond the point logrotate's copy stopped at gets the bytes
it read there appended (the daemon's checkpoint, in its write-ahead log, says how many; the stream
written says which). DIR/result.json also gives the lines written, those lost by copytruncate, and
`problems`: what went wrong on the way (a daemon that did not stop cleanly, logrotate or sessionize
failing, a checkpoint beyond what was ever written to its file). DIR/driver.log is the timeline
(seconds from the start, stream positions in lines); DIR/daemon.log holds each run's output after a
`--- … ---` line.

The seed fixes the log and every random choice (jitter, pieces, delays); the interleaving with the
daemon and logrotate is real, so a replay repeats the plan, not the exact race. Standard library only.
"""
import argparse
import bisect
import gzip
import json
import os
import random
import re
import signal
import subprocess
import threading
import time

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--seed", type=int, required=True)
p.add_argument("--sessiontail", required=True)
p.add_argument("--loggen", required=True)
p.add_argument("--dir", required=True)
p.add_argument("--table", required=True)
p.add_argument("--chunks", type=int, default=60)
p.add_argument("--chunk-lines", type=int, default=5000)
p.add_argument("--old-descriptor-lines", type=int, default=1000)
p.add_argument("--interval", type=float, default=0.05, help="seconds between chunks, on average")
p.add_argument("--rotate-every", type=int, default=6)
p.add_argument("--create-until", type=int, default=30, help="rotations after this chunk use copytruncate")
p.add_argument("--stop-after", type=int, default=15, help="the chunk after which the daemon is stopped")
p.add_argument("--poll-interval", default="50ms")
p.add_argument("--rate", type=int, default=200, help="loggen lines per second of log time")
p.add_argument("--hosts", type=int, default=8)
a = p.parse_args()

rng = random.Random(a.seed)
started = time.monotonic()
logs = os.path.join(a.dir, "logs")
log = os.path.join(logs, "access.log")
state = os.path.join(a.dir, "state")
config = os.path.join(a.dir, "sessiontail.yaml")
daemon_log = os.path.join(a.dir, "daemon.log")
os.makedirs(a.dir, exist_ok=True)
timeline = open(os.path.join(a.dir, "driver.log"), "a", buffering=1)
problems = []
timeline_lock = threading.Lock()


def note(text):
    with timeline_lock:
        timeline.write("%8.3f %s\n" % (time.monotonic() - started, text))


def problem(text):
    note("PROBLEM: " + text)
    problems.append(text)


# The plan: chunks, rotations, the stop and the start, in order.
plan = []
n = 0
while n < a.chunks:
    n += 1
    plan.append(("chunk", n))
    if n == a.stop_after:
        n += 1
        plan += [("stop",), ("rotate", "create"), ("chunk", n), ("rotate", "create"), ("start",)]
    elif n % a.rotate_every == 0:
        plan.append(("rotate", "create" if n <= a.create_until else "copytruncate"))
creates = sum(1 for step in plan if step == ("rotate", "create"))
rotations = sum(1 for step in plan if step[0] == "rotate")
total_lines = a.chunks * a.chunk_lines + creates * a.old_descriptor_lines
assert rotations < 20, "every rotated file must stay (rotate 20)"

os.makedirs(logs, exist_ok=True)
generated = subprocess.run(
    [a.loggen, "--format", "vhost_combined", "--lines", str(total_lines), "--seed", str(a.seed),
     "--rate", str(a.rate), "--hosts", str(a.hosts)],
    stdout=subprocess.PIPE, check=True)
data = generated.stdout
starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
assert len(starts) == total_lines + 1 and starts[-1] == len(data), "loggen wrote %d lines" % (len(starts) - 1)
note("plan: %d lines (%d bytes), %d chunks, %d rotations (%d create), stop after chunk %d; seed %d"
     % (total_lines, len(data), a.chunks, rotations, creates, a.stop_after, a.seed))

with open(config, "w") as f:
    f.write("""agent_id: rotation-torture
state_dir: %s
sources:
  - name: web
    paths: ["%s"]
    format: vhost_combined
session:
  lateness: 0s
postgres:
  table: %s
  batch_age: 50ms
""" % (state, log, a.table))
rotate_state = os.path.join(a.dir, "logrotate.state")
for mode in ("create", "copytruncate"):
    with open(os.path.join(a.dir, "logrotate-%s.conf" % mode), "w") as f:
        f.write("%s {\n    rotate 20\n    compress\n    delaycompress\n    missingok\n    nomail\n    %s\n}\n" % (log, mode))

# --- the writer


class Writer:
    def __init__(self):
        self.line = 0
        self.fd = self.open()

    @staticmethod
    def open():
        return os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, count, pieces, fd=None):
        """Writes the next `count` lines in `pieces` writes, cut at random line boundaries."""
        first = self.line
        cuts = sorted(rng.sample(range(first + 1, first + count), pieces - 1)) if pieces > 1 else []
        bounds = [first] + cuts + [first + count]
        for i in range(len(bounds) - 1):
            if i > 0:
                time.sleep(rng.uniform(0, a.interval / (2 * pieces)))
            chunk = memoryview(data)[starts[bounds[i]]:starts[bounds[i + 1]]]
            while chunk:
                chunk = chunk[os.write(self.fd if fd is None else fd, chunk):]
        self.line += count
        return first

    def reopen(self):
        """`create` rotation: what is still to write goes to the old descriptor, then the path is opened
        again."""
        time.sleep(rng.uniform(0, 0.01))
        first = self.write(a.old_descriptor_lines, rng.randint(1, 2))
        note("wrote lines %d..<%d to the old descriptor" % (first, self.line))
        time.sleep(rng.uniform(0, 0.01))
        os.close(self.fd)
        self.fd = self.open()
        note("reopened %s" % log)


def logrotate(mode):
    note("logrotate %s" % mode)
    run = subprocess.run(["logrotate", "-f", "-s", rotate_state, os.path.join(a.dir, "logrotate-%s.conf" % mode)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    note("logrotate %s done (status %d)" % (mode, run.returncode))
    if run.returncode != 0:
        problem("logrotate %s: status %d: %s" % (mode, run.returncode, run.stdout.decode(errors="replace")))


# --- the daemon


class Daemon:
    runs = 0

    def __init__(self):
        Daemon.runs += 1
        out = open(daemon_log, "ab")
        out.write(b"--- run %d (driver time %.3f s) ---\n" % (Daemon.runs, time.monotonic() - started))
        out.flush()
        self.process = subprocess.Popen(
            [a.sessiontail, "run", "--config", config, "--poll-interval", a.poll_interval],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        note("daemon run %d started (pid %d)" % (Daemon.runs, self.process.pid))

    def stop(self):
        asked = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=180)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
            problem("daemon run %d did not stop within 180 s of SIGTERM: killed" % Daemon.runs)
        note("daemon run %d stopped by SIGTERM: status %d after %.3f s" % (Daemon.runs, status, time.monotonic() - asked))
        if status != 0:
            problem("daemon run %d exited with status %d on SIGTERM" % (Daemon.runs, status))


class Checkpointed:
    """The daemon's newest checkpoints, read from the end of its write-ahead log as it grows: every
    commit (one a pass that read something) and snapshot holds them as `sessiontail-checkpoints 1`
    text after its 4-byte little-endian length."""
    magic = b"sessiontail-checkpoints 1\n"

    def __init__(self):
        self.segment, self.read, self.buffer, self.entries = None, 0, b"", []

    def poll(self):
        wal = os.path.join(state, "wal")
        try:
            names = sorted(n for n in os.listdir(wal) if n.startswith("wal-"))
            if not names:
                return self.entries
            if names[-1] != self.segment:
                self.segment, self.read, self.buffer = names[-1], 0, b""
            with open(os.path.join(wal, self.segment), "rb") as f:
                f.seek(self.read)
                new = f.read()
        except OSError:
            return self.entries
        self.read += len(new)
        self.buffer += new
        at = self.buffer.rfind(self.magic)
        while at >= 4:
            length = int.from_bytes(self.buffer[at - 4:at], "little")
            if at + length <= len(self.buffer):
                self.entries = parse_checkpoints(self.buffer[at:at + length])
                self.buffer = self.buffer[at + length:]
                break
            at = self.buffer.rfind(self.magic, 0, at)
        at = self.buffer.rfind(self.magic)
        self.buffer = self.buffer[at - 4:] if at >= 4 else self.buffer[-(len(self.magic) + 4):]
        return self.entries


def maybe_catch_up():
    """Before half the rotations (by the seed), the writer waits until the daemon has read the live
    file and the newest rotated one to their ends (its checkpoints say so; at most 10 s), so that the
    rotation races a reader that keeps up, where one that lags finds only finished rotations. Only the
    timing depends on it."""
    if rng.random() < 0.5 or daemon.process.poll() is not None:
        return
    waited = time.monotonic()
    files = []
    for path in (log + ".1", log):
        try:
            with open(path, "rb") as f:
                head = f.read(1024)
            if head:
                files.append((fingerprint(head), len(head), os.stat(path).st_size))
        except OSError:
            continue
    while time.monotonic() - waited < 10:
        entries = checkpointed.poll()
        if all(any(e["fingerprint"] == fp and e["length"] == length and e["offset"] >= size for e in entries)
               for fp, length, size in files):
            note("the daemon has read the live file to its end (waited %.3f s)" % (time.monotonic() - waited))
            return
        time.sleep(0.01)
    note("the daemon did not catch up within 10 s: %s; checkpoints %s" % (files, checkpointed.entries))


def fingerprint(head):
    """The daemon's file fingerprint: FNV-1a 64 of the first 1 024 bytes (Checkpoints.fingerprint)."""
    h = 0xCBF29CE484222325
    for b in head[:1024]:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def parse_checkpoints(text):
    entries = []
    for line in text.decode(errors="replace").splitlines()[1:]:
        f = line.split("\t")
        entries.append({"fingerprint": int(f[1], 16), "length": int(f[2]), "offset": int(f[3]), "path": f[4],
                        "state": f[5] if len(f) > 5 else "open", "inode": int(f[7]) if len(f) > 7 else 0})
    return entries


checkpointed = Checkpointed()
writer = Writer()
daemon = Daemon()
copytruncate = None
next_chunk = time.monotonic()
for step in plan:
    if step[0] == "chunk":
        time.sleep(max(0.0, next_chunk - time.monotonic()))
        next_chunk = time.monotonic() + a.interval * rng.uniform(0.5, 1.5)
        pieces = rng.randint(1, 4)
        first = writer.write(a.chunk_lines, pieces)
        note("chunk %d: lines %d..<%d in %d writes" % (step[1], first, writer.line, pieces))
    elif step[0] == "stop":
        daemon.stop()
    elif step[0] == "start":
        daemon = Daemon()
    elif step == ("rotate", "create"):
        maybe_catch_up()
        # Anywhere within two of the daemon's polls.
        time.sleep(rng.uniform(0, 0.1))
        logrotate("create")
        writer.reopen()
    else:
        # copytruncate at a random moment while the writer goes on.
        if copytruncate:
            copytruncate.join()
        maybe_catch_up()
        delay = rng.uniform(0, a.interval)
        copytruncate = threading.Thread(target=lambda d=delay: (time.sleep(d), logrotate("copytruncate")))
        copytruncate.start()
if copytruncate:
    copytruncate.join()
os.close(writer.fd)
assert writer.line == total_lines
time.sleep(rng.uniform(0, 1.0))
daemon.stop()
written = time.monotonic()
# The files are final: the batch result is worked out beside the drain (the other core).
expected = os.path.join(a.dir, "expected.csv")


def sessionize(inputs):
    with open(expected, "wb") as out, open(os.path.join(a.dir, "sessionize.log"), "ab") as err:
        err.write(("--- sessionize %s ---\n" % " ".join(inputs)).encode())
        err.flush()
        return subprocess.Popen([a.sessiontail, "sessionize", "--format", "vhost_combined"] + inputs,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err)


batch_run = sessionize([os.path.join(logs, name) for name in sorted(os.listdir(logs))])
with open(daemon_log, "ab") as out:
    out.write(b"--- run --drain ---\n")
    out.flush()
    drained = subprocess.run([a.sessiontail, "run", "--drain", "--config", config], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT)
note("run --drain: status %d" % drained.returncode)
if drained.returncode != 0:
    problem("run --drain exited with status %d" % drained.returncode)
drain_seconds = time.monotonic() - written
batch_status = batch_run.wait()

# --- what is on disk, and what the daemon says it read


def rotation_number(name):
    tail = name[len("access.log"):].lstrip(".").split(".")[0]
    return int(tail) if tail.isdigit() else 0


checkpoints = Checkpointed().poll()
files = []
for name in sorted(os.listdir(logs), key=rotation_number, reverse=True):
    raw = open(os.path.join(logs, name), "rb").read()
    content = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    entry = {"name": name, "bytes": len(content), "lines": content.count(b"\n"),
             "partial_tail": bool(content) and not content.endswith(b"\n"), "content": content}
    if content:
        at = data.find(content[:4096])
        if at < 0 or data[at:at + len(content)] != content:
            problem("%s is not a piece of what was written" % name)
        else:
            entry["at"] = at
            line = bisect.bisect_left(starts, at)
            entry["first_line"] = line if starts[line] == at else None
        fp, length = fingerprint(content), min(len(content), 1024)
        matching = [c for c in checkpoints if c["fingerprint"] == fp and c["length"] == length]
        if matching:
            entry["checkpoint"] = matching[-1]
    files.append(entry)

placed = sorted((f for f in files if "at" in f), key=lambda f: f["at"])
end = 0
lost_bytes = 0
for f in placed:
    if f["at"] < end:
        problem("%s overlaps the file before it in what was written" % f["name"])
    else:
        f["lost_before"] = f["at"] - end
        lost_bytes += f["at"] - end
    end = max(end, f["at"] + f["bytes"])
lost_bytes += len(data) - end
lines_in_union = sum(f["lines"] for f in files)

# A copy whose original the daemon read beyond where logrotate's copy stopped: those bytes were read,
# and must be in the table, though no file on disk holds them any more.
batch = os.path.join(a.dir, "batch")
os.makedirs(batch, exist_ok=True)
read_though_lost = 0
for i, f in enumerate(placed):
    checkpoint = f.get("checkpoint")
    if not checkpoint or checkpoint["offset"] <= f["bytes"]:
        continue
    limit = placed[i + 1]["at"] if i + 1 < len(placed) else len(data)
    beyond = data[f["at"] + f["bytes"]:f["at"] + checkpoint["offset"]]
    if f["at"] + checkpoint["offset"] > limit or not beyond.endswith(b"\n"):
        problem("%s: checkpoint offset %d, but the file holds %d bytes and only %d more were written before the next"
                % (f["name"], checkpoint["offset"], f["bytes"], limit - f["at"] - f["bytes"]))
        continue
    f["read_beyond_copy"] = beyond
    read_though_lost += beyond.count(b"\n")
    note("%s: the daemon read %d bytes beyond the copy (checkpoint offset %d, copy %d bytes)"
         % (f["name"], len(beyond), checkpoint["offset"], f["bytes"]))
batch_inputs = []
for f in files:
    source = os.path.join(logs, f["name"])
    if "read_beyond_copy" in f:
        target = os.path.join(batch, f["name"][:-3] if f["name"].endswith(".gz") else f["name"])
        with open(target, "wb") as out:
            out.write(f["content"] + f["read_beyond_copy"])
    else:
        target = os.path.join(batch, f["name"])
        os.link(source, target)
    batch_inputs.append(target)
if any("read_beyond_copy" in f for f in files):
    batch_status = sessionize(batch_inputs).wait()
if batch_status != 0:
    problem("sessionize exited with status %d (see sessionize.log)" % batch_status)

for f in files:
    note("%-18s %9d bytes %6d lines%s from line %s; %d bytes lost before it; checkpoint %s"
         % (f["name"], f["bytes"], f["lines"], " (partial last line)" if f["partial_tail"] else "",
            f.get("first_line"), f.get("lost_before", 0),
            "%d %s" % (f["checkpoint"]["offset"], f["checkpoint"]["state"]) if "checkpoint" in f else "none"))
result = {
    "seed": a.seed,
    "lines_written": total_lines,
    "lines_in_union": lines_in_union,
    "lines_lost": total_lines - lines_in_union,
    "bytes_lost": lost_bytes,
    "lost_lines_read": read_though_lost,
    "rotations": rotations,
    "files": len(files),
    "batch_inputs": batch_inputs,
    "expected": expected,
    "problems": problems,
    "seconds": round(time.monotonic() - started, 3),
    "seconds_to_the_last_stop": round(written - started, 3),
    "seconds_draining": round(drain_seconds, 3),
}
note("result: %s" % json.dumps({k: v for k, v in result.items() if k != "batch_inputs"}))
with open(os.path.join(a.dir, "result.json"), "w") as out:
    json.dump(result, out, indent=1)
