#!/usr/bin/env python3
"""Generate the TA-Lib reference vectors that kis-indicators is tested against.

Re-run (from the repository root):

    pip install "TA-Lib==0.8.2" "numpy>=2"      # the wheel bundles the TA-Lib C library
    python3 crates/kis-indicators/tools/gen_vectors.py

It (over)writes two committed files in crates/kis-indicators/tests/data/:

* bars.csv   -- the input series, in the exact CSV format `kis-trader indicators --input` reads
                (ts,open,high,low,close,volume).
* talib.csv  -- one row per bar (`i` = bar index) with TA-Lib's output for that bar, `NaN` where
                TA-Lib reports no value (warm-up). Floats are written with Python's repr, which is the
                shortest string that round-trips, so Rust parses back the very same f64.

The series is deterministic (fixed seed) and deliberately contains:
* a fully flat stretch (open = high = low = close) long enough for RSI(2)'s average gain + loss to
  fall under TA-Lib's 1e-8 "is zero" threshold and for BBANDS' variance to hit its zero clamp;
* a stretch where the close does not move but high/low do (zero gains/losses, non-zero true range);
* an overnight price gap (and a gap in the timestamps) so ATR's use of the previous close matters;
* a few zero-volume bars.

The `vwap` column is not TA-Lib (TA-Lib has no VWAP): it is the cumulative typical-price VWAP,
sum((H+L+C)/3 * V) / sum(V), accumulated in bar order, the definition kis-indicators documents.
Tests need only the committed files, never Python.
"""

import datetime
import math
import os

import numpy as np
import talib

SEED = 20240601
BARS = 600

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "tests", "data")


def build_series():
    rng = np.random.default_rng(SEED)
    opens, highs, lows, closes, vols, stamps = [], [], [], [], [], []
    price = 100.0
    ts = datetime.datetime(2024, 3, 4, 9, 0)
    for i in range(BARS):
        if 200 <= i < 245:
            # Fully flat: nothing trades away from one price.
            o = h = l = c = price
        elif 450 <= i < 470:
            # Close pinned, but the bar still has a range.
            o = c = price
            h = price + round(float(rng.uniform(0.05, 0.6)), 2)
            l = price - round(float(rng.uniform(0.05, 0.6)), 2)
        else:
            if i == 300:
                # Overnight gap up: the open jumps away from the previous close.
                o = round(price * 1.12, 2)
                ts = ts + datetime.timedelta(days=1)
            else:
                o = round(price + float(rng.normal(0.0, 0.15)), 2)
            c = round(o * math.exp(float(rng.normal(0.0, 0.012))), 2)
            h = round(max(o, c) + abs(float(rng.normal(0.0, 0.35))), 2)
            l = round(min(o, c) - abs(float(rng.normal(0.0, 0.35))), 2)
        price = c
        v = 0 if i in (17, 18, 333) else int(rng.integers(1_000, 50_000))
        opens.append(o)
        highs.append(h)
        lows.append(l)
        closes.append(c)
        vols.append(v)
        stamps.append(ts.strftime("%Y-%m-%dT%H:%M"))
        ts = ts + datetime.timedelta(minutes=1)
    f = lambda xs: np.array(xs, dtype=np.float64)
    return stamps, f(opens), f(highs), f(lows), f(closes), f(vols)


def fmt(x):
    x = float(x)
    return "NaN" if math.isnan(x) else repr(x)


def main():
    stamps, o, h, l, c, v = build_series()

    with open(os.path.join(OUT_DIR, "bars.csv"), "w", newline="\n") as out:
        out.write("ts,open,high,low,close,volume\n")
        for i in range(len(c)):
            out.write(f"{stamps[i]},{float(o[i])!r},{float(h[i])!r},{float(l[i])!r},{float(c[i])!r},{int(v[i])}\n")

    macd, macd_signal, macd_hist = talib.MACD(c, 12, 26, 9)
    macd_b, macd_b_signal, macd_b_hist = talib.MACD(c, 5, 13, 4)
    bb_upper, bb_mid, bb_lower = talib.BBANDS(c, 20, 2.0, 2.0, talib.MA_Type.SMA)
    bb_b_upper, bb_b_mid, bb_b_lower = talib.BBANDS(c, 10, 1.5, 1.5, talib.MA_Type.SMA)
    typical = (h + l + c) / 3.0
    vwap = np.cumsum(typical * v) / np.cumsum(v)

    columns = [
        ("sma20", talib.SMA(c, 20)),
        ("ema20", talib.EMA(c, 20)),
        ("rsi14", talib.RSI(c, 14)),
        ("macd", macd),
        ("macd_signal", macd_signal),
        ("macd_hist", macd_hist),
        ("bb_upper", bb_upper),
        ("bb_mid", bb_mid),
        ("bb_lower", bb_lower),
        ("atr14", talib.ATR(h, l, c, 14)),
        ("vwap", vwap),
        ("sma5", talib.SMA(c, 5)),
        ("ema5", talib.EMA(c, 5)),
        ("rsi2", talib.RSI(c, 2)),
        ("atr5", talib.ATR(h, l, c, 5)),
        ("macd_5_13_4", macd_b),
        ("macd_5_13_4_signal", macd_b_signal),
        ("macd_5_13_4_hist", macd_b_hist),
        ("bb10_upper", bb_b_upper),
        ("bb10_mid", bb_b_mid),
        ("bb10_lower", bb_b_lower),
    ]
    with open(os.path.join(OUT_DIR, "talib.csv"), "w", newline="\n") as out:
        out.write("i," + ",".join(name for name, _ in columns) + "\n")
        for i in range(len(c)):
            out.write(str(i) + "," + ",".join(fmt(col[i]) for _, col in columns) + "\n")


if __name__ == "__main__":
    main()
