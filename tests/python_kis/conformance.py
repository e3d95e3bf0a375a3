"""Drives python-kis (PyPI `python-kis`, written against the real KIS service) through a full session against
`kis-trader sim` on loopback, with only the client's base URLs changed, on real and on paper.

Run by scripts/python-kis-conformance.sh (which makes the venv and installs the pinned client); it needs the
`kis-trader` binary path as its only argument. Prints one line per step, then "N passed, N failed" and exits 1
when a step failed that is not a known defect of the client itself (those are listed in CLIENT_DEFECTS and
reported as "xfail"; one that passes is reported as "xpass" so the list can be pruned).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

import pykis
import pykis.client.websocket as pykis_ws
import pykis.kis as pykis_kis
from pykis import KisAuth, PyKis
from pykis.api.auth.websocket import websocket_approval_key

import kis_auth_headers

# Steps that fail because of python-kis 2.1.6 itself, not the simulator: they must not bend the simulator.
CLIENT_DEFECTS = {
    # The real-domain WebSocket client of a paper PyKis asks the approval key for the *real* appkey on the
    # *paper* host (websocket_approval_key picks the real appkey but fetch() sends it to the virtual domain),
    # so the real WebSocket refuses it and no real-domain subscription is ever made.
    ("paper", "ws trades H0STCNT0"): "approval key for the real WebSocket asked on the paper host",
    ("paper", "ws trades HDFSCNT0"): "approval key for the real WebSocket asked on the paper host",
    # python-kis refuses to modify on paper ("모의투자에서는 정정주문을 지원하지 않습니다") before sending anything,
    # though KIS paper serves VTTC0013U/VTTC0803U.
    ("paper", "modify"): "python-kis refuses domestic modify on paper without asking KIS",
    # python-kis' pending_orders() on paper asks overseas inquire-nccs as VTTS3018R, which KIS paper does not
    # serve (kis-protocol.md: inquire-nccs is real only; paper sees unfilled US orders through inquire-ccnl).
    ("paper", "pending orders"): "python-kis asks inquire-nccs on paper, a real-only TR",
    # python-kis parses H0STCNI0/H0STCNI9 as 23 fields; KIS sends 26 (our captures), so its parser drops the
    # frame. The notice is still received and decrypted, and parsed by our own decoder (step "fill notice").
    ("real", "client parses fill notice"): "python-kis parses H0STCNI0 as 23 fields, KIS sends 26",
    ("paper", "client parses fill notice"): "python-kis parses H0STCNI9 as 23 fields, KIS sends 26",
}
# Not exercised here but known: python-kis parses H0STASP0 as 59 fields, KIS sends 62.

APPKEY = {"real": "PSrealAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "paper": "PSpaperAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
SECRET = {"real": "R" * 180, "paper": "P" * 180}
ACCOUNT = {"real": "50123456-01", "paper": "50654321-01"}
HTS_ID = {"real": "conformreal", "paper": "conformpaper"}
SIM_SECS = 600


@dataclass
class Sim:
    proc: subprocess.Popen
    rest: str
    ws: str
    admin: str

    def status(self) -> dict:
        import requests

        return requests.get(self.admin + "/status", timeout=5).json()


def start_sim(binary: str, env: str, start: str | None) -> Sim:
    args = [binary, "sim", "--env", env, "--rest-port", "0", "--ws-port", "0", "--run-secs", str(SIM_SECS)]
    if start is not None:
        import tempfile

        cfg = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
        cfg.write(f'start = "{start}"\n')
        cfg.close()
        args += ["--config", cfg.name]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    urls = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while len(urls) < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        parts = line.split()
        if parts and parts[0] in ("REST", "WS", "admin"):
            urls[parts[0]] = parts[1]
    if len(urls) < 3:
        proc.kill()
        raise RuntimeError(f"kis-trader sim --env {env} did not print its URLs")
    return Sim(proc, urls["REST"], urls["WS"], urls["admin"])


def point_client_at(real: Sim, paper: Sim | None) -> None:
    """The only change to the client: its base URLs (module constants it joins paths onto)."""
    pykis_kis.REAL_DOMAIN = real.rest
    pykis_ws.WEBSOCKET_REAL_DOMAIN = real.ws
    if paper is not None:
        pykis_kis.VIRTUAL_DOMAIN = paper.rest
        pykis_ws.WEBSOCKET_VIRTUAL_DOMAIN = paper.ws


# Every raw WebSocket message any client receives, for the notice step (decrypted by our own decoder).
RAW: list[str] = []
_raw_lock = threading.Lock()
_orig_on_message = pykis_ws.KisWebsocketClient._on_message


def _recording_on_message(self, websocket, message):
    with _raw_lock:
        RAW.append(message)
    return _orig_on_message(self, websocket, message)


pykis_ws.KisWebsocketClient._on_message = _recording_on_message


@dataclass
class Report:
    env: str
    results: list[tuple[str, str, str]] = field(default_factory=list)

    def step(self, name: str, f: Callable[[], object]) -> object:
        defect = CLIENT_DEFECTS.get((self.env, name))
        try:
            value = f()
            outcome, detail = ("xpass" if defect else "pass"), short(value)
        except Exception as e:  # noqa: BLE001 — every failure is a reported step outcome
            value = None
            outcome = "xfail" if defect else "FAIL"
            detail = f"{type(e).__name__}: {e}"[:300]
            if not defect and "-v" in sys.argv:
                traceback.print_exc()
        if defect and outcome == "xfail":
            detail = f"client defect: {defect} ({detail})"
        self.results.append((name, outcome, detail))
        print(f"[{self.env}] {outcome:5} {name}: {detail}", flush=True)
        return value


def short(v: object) -> str:
    s = repr(v)
    return s if len(s) < 160 else s[:157] + "..."


def nonempty(rows: list, what: str) -> int:
    if not rows:
        raise AssertionError(f"no {what}")
    return len(rows)


def wait_for(pred: Callable[[], object], secs: float, what: str) -> object:
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.1)
    raise TimeoutError(f"no {what} within {secs} s")


def krx_symbols(sim: Sim) -> list[str]:
    return [s for s in sim.status()["listings"] if s.isdigit()]


def us_symbol(sim: Sim) -> tuple[str, str]:
    market, ticker = next(s for s in sim.status()["listings"] if ":" in s).split(":")
    return ticker, {"NASDAQ": "NASDAQ", "NYSE": "NYSE", "AMEX": "AMEX"}.get(market, market)


# Tokens by (base URL, env): a client keeps its token (KIS issues one per minute per appkey), as python-kis'
# own `keep_token` does on disk.
TOKENS: dict[tuple[str, str], object] = {}


def make_kis(env: str) -> PyKis:
    real = KisAuth(
        id=HTS_ID["real"], account=ACCOUNT["real"], appkey=APPKEY["real"], secretkey=SECRET["real"], virtual=False
    )
    token = TOKENS.get((pykis_kis.REAL_DOMAIN, "real"))
    if env == "real":
        return PyKis(real, token=token, keep_token=False)
    paper = KisAuth(
        id=HTS_ID["paper"], account=ACCOUNT["paper"], appkey=APPKEY["paper"], secretkey=SECRET["paper"], virtual=True
    )
    virtual_token = TOKENS.get((pykis_kis.VIRTUAL_DOMAIN, "paper"))
    return PyKis(real, paper, token=token, virtual_token=virtual_token, keep_token=False)


def krx_session(report: Report, kis: PyKis, code: str, trade_code: str, day: dt.date, binary: str) -> None:
    env = report.env
    step = report.step
    step("token", lambda: kis.primary_token.expired_at if env == "paper" else kis.token.expired_at)
    step("approval", lambda: websocket_approval_key(kis, "virtual" if env == "paper" else "real").approval_key[:8])
    stock = step("kis.stock()", lambda: kis.stock(code))
    if stock is None:
        return
    quote = step("price", lambda: stock.quote())
    if env == "real":
        # The other public client, open-trading-api's kis_auth.py, reads headers by their exact spelling.
        step(
            "kis_auth.py header tuple",
            lambda: kis_auth_headers.check(pykis_kis.REAL_DOMAIN, kis.token.token, APPKEY[env], SECRET[env], code),
        )
    step("minute candles", lambda: nonempty(stock.day_chart().bars, "minute bars"))
    step("daily candles", lambda: nonempty(stock.daily_chart(start=dt.timedelta(days=30)).bars, "daily bars"))
    step("REST order book", lambda: stock.orderbook().asks[0].price)
    account = kis.account()
    step("balance (domestic)", lambda: account.balance("KR").deposits["KRW"].amount)
    step("buyable", lambda: stock.orderable_amount(price=quote.price if quote else None).qty)

    # Fill notices: subscribe before trading so the market buy's fill is pushed.
    tickets = []
    def subscribe_notices():
        tickets.append(account.on("execution", lambda s, e: _parsed_notices.append(e)))
        # Orders placed before KIS acks the registration are not notified: wait for the ack's key.
        return sorted(wait_for(lambda: notice_keys(kis), 15, "notice subscribe ack"))

    step("notice subscribe", subscribe_notices)

    # A limit at the day's lower limit stays working (modify and cancel need a live order). Read through the
    # client's untyped fetch so the price step's own outcome does not decide this one.
    low = int(
        kis.fetch(
            "/uapi/domestic-stock/v1/quotations/inquire-price",
            api="FHKST01010100",
            params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": code},
            domain="real",
        ).output.stck_llam
    )
    limit = step("limit buy", lambda: stock.buy(price=low, qty=1))
    if limit is not None:
        modified = step("modify", lambda: limit.modify(price=low, qty=1))
        step("cancel", lambda: (modified or limit).cancel())
    market = step("market buy", lambda: kis.stock(trade_code).buy(qty=1))
    step("pending orders", lambda: len(account.pending_orders().orders))
    step("daily orders", lambda: len(account.daily_orders(start=day, end=day).orders))
    notice = step("fill notice", lambda: decode_notice(kis, binary, market))
    step("fill notice identity", lambda: notice_identity(notice, ACCOUNT[env]))
    step("client parses fill notice", lambda: client_parsed_notice(notice))

    trades: list[object] = []
    ticket = step("ws subscribe H0STCNT0", lambda: kis.stock(trade_code).on("price", lambda s, e: trades.append(e)))
    step("ws trades H0STCNT0", lambda: wait_for(lambda: len(trades), 20, "H0STCNT0 trade"))
    if ticket is not None:
        ticket.unsubscribe()


NOTICE_TRS = ("H0STCNI0", "H0STCNI9", "H0GSCNI0", "H0GSCNI9")


def notice_keys(kis: PyKis) -> dict:
    """Domestic notice keys the client took from subscribe acks, by TR id."""
    clients = [kis.websocket] + ([kis.websocket._primary_client] if kis.websocket._primary_client else [])
    return {tr.id: k for c in clients for tr, k in list(c._keychain.items()) if tr.id in ("H0STCNI0", "H0STCNI9")}


def decode_notice(kis: PyKis, binary: str, order) -> str:
    """The encrypted fill notice of `order`, decrypted and parsed by `kis-trader decode` with the key the client
    took from the subscribe ack."""
    if order is None:
        raise RuntimeError("no order to be notified of")
    keys = notice_keys(kis)
    if not keys:
        raise RuntimeError("no domestic notice key from a subscribe ack")
    want = str(order.number).lstrip("0")

    seen: set[tuple[str, str]] = set()

    def fill_record():
        with _raw_lock:
            frames = [(m, keys[tr]) for m in RAW for tr in keys if m.startswith("1|" + tr + "|")]
        for frame, key in frames:
            out = subprocess.run(
                [binary, "decode", "--key", key.key.decode(), "--iv", key.iv.decode()],
                input=frame + "\n",
                capture_output=True,
                text=True,
                timeout=10,
            )
            if out.returncode != 0:
                raise RuntimeError(f"kis-trader decode: {out.stderr.strip()}")
            for line in out.stdout.splitlines():
                rec = json.loads(line)
                fields = rec.get("fields", rec)
                seen.add((str(fields.get("ODER_NO", "")), str(fields.get("CNTG_YN", ""))))
                if str(fields.get("ODER_NO", "")).lstrip("0") == want and fields.get("CNTG_YN") == "2":
                    return fields
        return None

    try:
        return wait_for(fill_record, 20, f"fill notice for order {want}")
    except TimeoutError as e:
        raise TimeoutError(f"{e}; notices seen (ODER_NO, CNTG_YN): {sorted(seen)}") from None


def notice_identity(fields: dict | None, account: str) -> str:
    """A notice names the account the client trades with, its holder and the listing's name (as KIS does)."""
    if fields is None:
        raise RuntimeError("no notice decoded")
    problems = []
    if fields["ACNT_NO"] != account.replace("-", ""):
        problems.append(f"ACNT_NO {fields['ACNT_NO']!r} is not the client's account")
    if not fields.get("ACNT_NAME", "").strip():
        problems.append("ACNT_NAME is empty")
    if fields.get("CNTG_ISNM40", "").strip() in ("", fields["STCK_SHRN_ISCD"]):
        problems.append(f"CNTG_ISNM40 {fields.get('CNTG_ISNM40')!r} is not a name")
    if problems:
        raise AssertionError("; ".join(problems))
    return f"{fields['ACNT_NAME']} {fields['CNTG_ISNM40']}"


# Events the client's own execution callback received (only if its parser accepted the notice frame).
_parsed_notices: list[object] = []


def client_parsed_notice(notice: str | None) -> str:
    if notice is None:
        raise RuntimeError("no notice received")
    wait_for(lambda: len(_parsed_notices), 3, "execution event from the client's parser")
    return "parsed"


def us_session(report: Report, kis: PyKis, ticker: str, market: str) -> None:
    step = report.step
    stock = step("kis.stock() US", lambda: kis.stock(ticker, market=market))
    if stock is None:
        return
    step("price US", lambda: stock.quote().price)
    step("balance (US)", lambda: kis.account().balance("US").deposits["USD"].amount)
    trades: list[object] = []
    ticket = step("ws subscribe HDFSCNT0", lambda: stock.on("price", lambda s, e: trades.append(e)))
    step("ws trades HDFSCNT0", lambda: wait_for(lambda: len(trades), 20, "HDFSCNT0 trade"))
    if ticket is not None:
        ticket.unsubscribe()


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: conformance.py KIS_TRADER_BINARY [-v]", file=sys.stderr)
        return 2
    binary = sys.argv[1]
    if "-v" not in sys.argv:
        import logging
        import warnings

        pykis.logging.logger.setLevel(logging.CRITICAL)
        warnings.simplefilter("ignore")
    print(f"python-kis {pykis.__version__} against {binary}", flush=True)
    sims: list[Sim] = []
    reports: list[Report] = []
    try:
        krx_real = start_sim(binary, "real", None)
        sims.append(krx_real)
        day = dt.date.fromisoformat(krx_real.status()["virtual_time"][:10])
        krx_paper = start_sim(binary, "paper", None)
        sims.append(krx_paper)
        # KRX and US sessions never overlap: the US part runs on simulators started in the US session of
        # the same day (14:45 UTC is inside it in winter and summer).
        us_start = f"{day.isoformat()}T14:45:00Z"
        us_real = start_sim(binary, "real", us_start)
        sims.append(us_real)
        us_paper = start_sim(binary, "paper", us_start)
        sims.append(us_paper)
        codes = krx_symbols(krx_real)
        ticker, market = us_symbol(us_real)
        for env, krx_pair, us_pair in (
            ("real", (krx_real, None), (us_real, None)),
            ("paper", (krx_real, krx_paper), (us_real, us_paper)),
        ):
            report = Report(env)
            reports.append(report)
            point_client_at(*krx_pair)
            kis = make_kis(env)
            krx_session(report, kis, codes[0], codes[1], day, binary)
            close(kis)
            point_client_at(*us_pair)
            kis = make_kis(env)
            us_session(report, kis, ticker, market)
            close(kis)
    finally:
        for sim in sims:
            sim.proc.kill()
            sim.proc.wait()
    failed = sum(1 for r in reports for _, o, _ in r.results if o == "FAIL")
    passed = sum(1 for r in reports for _, o, _ in r.results if o in ("pass", "xpass"))
    xfailed = sum(1 for r in reports for _, o, _ in r.results if o == "xfail")
    for r in reports:
        p = sum(1 for _, o, _ in r.results if o in ("pass", "xpass"))
        print(f"[{r.env}] {p} of {len(r.results)} steps passed")
    print(f"{passed} passed, {failed} failed ({xfailed} expected failures: client defects)")
    return 1 if failed else 0


def close(kis: PyKis) -> None:
    if kis._token is not None:
        TOKENS[(pykis_kis.REAL_DOMAIN, "real")] = kis._token
    if kis.virtual and kis._virtual_token is not None:
        TOKENS[(pykis_kis.VIRTUAL_DOMAIN, "paper")] = kis._virtual_token
    try:
        kis.websocket.disconnect()
    except Exception:  # noqa: BLE001
        pass
    kis.close()


if __name__ == "__main__":
    sys.exit(main())
