#!/usr/bin/env python3
"""Independent check of the `rsi-reversal` backtest: the same rules, computed with pandas from the same bars.

Writes the trades the backtester must produce, with the shipped US fees and without fees, to
crates/kis-backtest/tests/data/; the Rust test `tests/rsi_reversal_check.rs` requires identical trades
(timestamps, prices, qty, reason) and identical pnl (exact to the cent). The Rust test does not run Python.

Regenerate (from the repository root; needs `pip install pandas numpy`):

    python3 crates/kis-backtest/tools/check_rsi_reversal.py --make-bars   # rewrite the bar series too
    python3 crates/kis-backtest/tools/check_rsi_reversal.py               # expected trades only

The bars (rsi_bars.csv) come from a fixed integer LCG, so --make-bars reproduces the committed file byte for byte.

Rules (kis-strategy `rsi_reversal` module docs), checked here from scratch:
* RSI14 as TA-Lib: first averages = mean of the first 14 changes, then Wilder smoothing
  avg = (avg * 13 + x) / 14, with the division done as a multiplication by 1/14 (TA-Lib's C core does that,
  and so does kis-indicators; it keeps results bit-identical); RSI = 100 * gain / (gain + loss).
* Entry on bar t when flat, RSI[t-1] < 30 < RSI[t]: buy 1 share at close[t].
* Exit on the first bar j > t with close[j] >= e*1.012 (take_profit), else close[j] <= e*0.992 (stop_loss),
  else j == t + 15 (time_exit): sell at close[j]. No entry on the bar of an exit.
* Fills at the bar's close (the backtester's `--fill close`), stamped with the bar's timestamp.
* US fees (config/fees.toml): commission 0.25 % per side rounded half away from zero to the cent; SEC fee on
  sells 0.0000278 of the proceeds (in force 2024-05-22 .. 2025-05-13), rounded up to the cent.
  pnl = (exit - entry) * qty - buy commission - sell commission - SEC fee.
"""

import argparse
import os
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "tests", "data"))
BARS = os.path.join(DATA, "rsi_bars.csv")
TZ = "America/New_York"
COLUMNS = ["entry_ts", "entry_price", "exit_ts", "exit_price", "qty", "reason", "pnl"]


def make_bars(path):
    """Three New York sessions (2025-03-03..05, 09:30-15:59) of one-minute bars, prices in cents."""
    state = 3
    rows = []
    price = 10000  # cents

    def rand():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        return state >> 33

    for day in ["2025-03-03", "2025-03-04", "2025-03-05"]:
        minutes = pd.date_range(f"{day} 09:30", f"{day} 15:59", freq="min")
        drift = 0
        for ts in minutes:
            r = rand()
            if drift == 0 and r % 29 == 0:
                drift = -(3 + r % 5)  # a run of falling bars: RSI goes below 30
            if drift < 0:
                step = -int(5 + rand() % 12)
                drift += 1
                if drift == 0 and rand() % 3 == 0:
                    drift = 8 + int(rand() % 7)  # sometimes a rebound follows: take-profits happen
            elif drift > 0:
                step = int(8 + rand() % 13)
                drift -= 1
            else:
                step = int(rand() % 19) - 8
            open_ = price + int(rand() % 5) - 2
            close = max(100, price + step)
            high = max(open_, close) + int(rand() % 6)
            low = min(open_, close) - int(rand() % 6)
            volume = 100 + int(rand() % 5000)
            rows.append((ts.strftime("%Y-%m-%dT%H:%M"), open_, high, low, close, volume))
            price = close
    with open(path, "w", newline="\n") as f:
        f.write("ts,open,high,low,close,volume\n")
        for ts, o, h, l, c, v in rows:
            f.write(f"{ts},{cents(o)},{cents(h)},{cents(l)},{cents(c)},{v}\n")


def cents(c):
    return str(Decimal(c) / 100)


def rsi_talib(closes, period=14):
    inv = 1.0 / period
    out = np.full(len(closes), np.nan)
    gain_sum = loss_sum = 0.0
    avg_gain = avg_loss = 0.0
    for i in range(1, len(closes)):
        change = closes[i] - closes[i - 1]
        gain = change if 0.0 < change else 0.0
        loss = gain - change
        if i <= period:
            gain_sum += gain
            loss_sum += loss
            if i < period:
                continue
            avg_gain, avg_loss = gain_sum * inv, loss_sum * inv
        else:
            avg_gain = (avg_gain * (period - 1) + gain) * inv
            avg_loss = (loss + avg_loss * (period - 1)) * inv
        total = avg_loss + avg_gain
        out[i] = avg_gain / total * 100.0 if total > 0.0 else 0.0
    return out


def to_f64(text):
    """The close as the backtester's f64: the decimal's integer mantissa divided by its power of ten."""
    d = Decimal(text).normalize()
    sign, digits, exp = d.as_tuple()
    mantissa = int("".join(map(str, digits))) * (-1 if sign else 1)
    return float(mantissa) / float(10 ** -exp) if exp < 0 else float(d)


def fees(side, notional):
    commission = (notional * Decimal("0.0025")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sec = Decimal(0)
    if side == "sell":
        sec = (notional * Decimal("0.0000278")).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    return commission + sec


def trades(bars, with_fees):
    closes_text = bars["close"].tolist()
    closes = np.array([to_f64(c) for c in closes_text])
    rsi = rsi_talib(closes)
    ts = pd.to_datetime(bars["ts"]).dt.tz_localize(TZ)
    rows = []
    open_trade = None
    for t in range(len(bars)):
        close = Decimal(closes_text[t])
        if open_trade is not None:
            entry_bar, entry = open_trade
            reason = None
            if close >= entry * (Decimal(100) + Decimal("1.2")) / 100:
                reason = "take_profit"
            elif close <= entry * (Decimal(100) - Decimal("0.8")) / 100:
                reason = "stop_loss"
            elif t - entry_bar >= 15:
                reason = "time_exit"
            if reason:
                pnl = close - entry
                if with_fees:
                    pnl -= fees("buy", entry) + fees("sell", close)
                rows.append([ts[entry_bar].isoformat(), entry, ts[t].isoformat(), close, 1, reason, pnl])
                open_trade = None
        elif t >= 1 and not np.isnan(rsi[t - 1]) and not np.isnan(rsi[t]) and rsi[t - 1] < 30.0 < rsi[t]:
            open_trade = (t, close)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ["entry_price", "exit_price", "pnl"]:
        frame[col] = frame[col].map(lambda d: format(d.normalize(), "f"))
    return frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--make-bars", action="store_true", help="rewrite tests/data/rsi_bars.csv first")
    args = parser.parse_args()
    if args.make_bars:
        make_bars(BARS)
    bars = pd.read_csv(BARS, dtype={"ts": str, "open": str, "high": str, "low": str, "close": str, "volume": str})
    for with_fees, name in [(True, "rsi_expected_fees.csv"), (False, "rsi_expected_nofees.csv")]:
        frame = trades(bars, with_fees)
        frame.to_csv(os.path.join(DATA, name), index=False, lineterminator="\n")
        total = sum(Decimal(p) for p in frame["pnl"])
        print(f"{name}: {len(frame)} trades, total pnl {total} USD")


if __name__ == "__main__":
    main()
