#!/usr/bin/env python3
"""Write exchange_calendars' XNYS and XKRX sessions as reference CSVs for kis-calendar's tests.

Why: our NYSE rules and our KRX table are written by hand; an independent implementation catches
mistakes in either. Where exchange_calendars is wrong (it lags KRX's announcements), the Rust test
lists each disagreeing date with the reason, so this output is committed exactly as generated.

Usage:  pip install exchange_calendars && python3 tools/gen_reference.py
Writes (date,open,close in local HH:MM) into tests/data/:
  xnys-2024-2027.csv, xkrx-2024-2027.csv  -- the years the product trades in now
  xnys-2000-2023.csv                      -- backs the NYSE table's first_year = 2000
"""

import pathlib

import exchange_calendars as xcals

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data"


def write(code: str, start: str, end: str) -> None:
    filename = f"{code.lower()}-{start[:4]}-{end[:4]}.csv"
    cal = xcals.get_calendar(code, start=start, end=end)
    sched = cal.schedule.loc[start:end]
    lines = [
        f"# exchange_calendars {xcals.__version__} {code} sessions {start}..{end}, local time ({cal.tz})",
        "date,open,close",
    ]
    for day, row in sched.iterrows():
        opened = row["open"].tz_convert(cal.tz).strftime("%H:%M")
        closed = row["close"].tz_convert(cal.tz).strftime("%H:%M")
        lines.append(f"{day.date().isoformat()},{opened},{closed}")
    (OUT / filename).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{filename}: {len(sched)} sessions")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write("XNYS", "2024-01-01", "2027-12-31")
    write("XKRX", "2024-01-01", "2027-12-31")
    write("XNYS", "2000-01-01", "2023-12-31")


if __name__ == "__main__":
    main()
