#!/usr/bin/env python3
"""Order-path latencies of a `kis-trader run` log (stdout or logs/kis-trader.*), from the daemon's own lines.

    cargo run --release -- run --run-secs 120 | python3 scripts/daemon_latency.py

Per order: signal (or exit rule) -> "sending order" (risk decision + queue), "sending order" -> "order working"
(journal fsync x2 + REST POST + ack), "order working" -> first "fill" (the exchange's match + the encrypted
notice over the WebSocket + decryption), last "fill" -> "fill booked" by the risk manager.
"""
import re
import statistics
import sys
from datetime import datetime

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(r"^(\S+Z)\s+\w+\s+(\S+): (.*)$")


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def field(rest, name):
    m = re.search(rf"\b{name}=(\S+)", rest)
    return m.group(1) if m else None


decided = {}   # symbol -> time of the last signal / exit rule
sending = {}   # intent -> (symbol, t)
working = {}   # intent -> t
first_fill = {}
last_fill = {}  # symbol -> t of the router's last fill line
samples = {"decision -> sending": [], "sending -> working (journal + POST + ack)": [],
           "working -> first fill notice": [], "fill -> booked by risk": []}

for raw in sys.stdin:
    m = LINE.match(ANSI.sub("", raw.rstrip("\n")))
    if not m:
        continue
    t, target, rest = ts(m.group(1)), m.group(2), m.group(3)
    symbol = field(rest, "symbol")
    intent = field(rest, "intent")
    if target == "signal" or rest.startswith("exit rule fired"):
        if symbol:
            decided[symbol] = t
    elif rest.startswith("sending order") and intent:
        sending[intent] = (symbol, t)
        if symbol in decided:
            samples["decision -> sending"].append(t - decided.pop(symbol))
    elif rest.startswith("order working") and intent in sending:
        working[intent] = t
        samples["sending -> working (journal + POST + ack)"].append(t - sending[intent][1])
    elif rest.startswith("fill ") and intent in working:
        if intent not in first_fill:
            first_fill[intent] = t
            samples["working -> first fill notice"].append(t - working[intent])
        last_fill[symbol] = t
    elif rest.startswith("fill booked") and symbol in last_fill:
        samples["fill -> booked by risk"].append(t - last_fill.pop(symbol))

for name, values in samples.items():
    if not values:
        print(f"{name:45s} no samples")
        continue
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:45s} n={len(ms):4d}  median {statistics.median(ms):7.2f} ms  p95 {p95:7.2f} ms  max {ms[-1]:7.2f} ms")
