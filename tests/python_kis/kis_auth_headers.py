"""How koreainvestment/open-trading-api's `kis_auth.py` reads a response's headers (`APIResp._setHeader`), as
a check against the simulator: it keeps only the header names where `name.islower()`, exactly as `requests`
received them, and builds a `namedtuple` from them; its paging then reads `getHeader().tr_cont`. So KIS's own
`tr_id`, `tr_cont`, `gt_uid` must arrive lower case and every standard name (`Content-Type`, ...) must not
(a lower-case `content-type` is no identifier: the namedtuple raises ValueError).

Needs only `requests`. Used as a step of conformance.py; also runs alone against a running simulator:
    python3 kis_auth_headers.py REST_URL APPKEY APPSECRET KRX_CODE
"""

from __future__ import annotations

import sys
from collections import namedtuple

import requests

QUOTE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"


def set_header(resp: requests.Response):
    """`APIResp._setHeader` of kis_auth.py, reimplemented: lower-case names only, as a namedtuple."""
    fld = {name: resp.headers.get(name) for name in resp.headers.keys() if name.islower()}
    return namedtuple("header", fld.keys())(**fld)


def check(rest: str, token: str, appkey: str, appsecret: str, code: str) -> str:
    """One quote the way kis_auth.py's `_url_fetch` asks it; returns the header tuple's fields."""
    resp = requests.get(
        rest + QUOTE_PATH,
        headers={
            "Content-Type": "application/json",
            "Accept": "text/plain",
            "charset": "UTF-8",
            "authorization": f"Bearer {token}",
            "appkey": appkey,
            "appsecret": appsecret,
            "tr_id": "FHKST01010100",
            "custtype": "P",
            "tr_cont": "",
        },
        params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": code},
        timeout=10,
    )
    resp.raise_for_status()
    header = set_header(resp)
    if header.tr_id != "FHKST01010100":
        raise AssertionError(f"tr_id {header.tr_id!r}")
    _ = header.tr_cont, header.gt_uid  # kis_auth.py's paging reads tr_cont; AttributeError when dropped
    body = resp.json()
    if body.get("rt_cd") != "0":
        raise AssertionError(f"body {body}")
    return ",".join(header._fields)


def issue_token(rest: str, appkey: str, appsecret: str) -> str:
    body = {"grant_type": "client_credentials", "appkey": appkey, "appsecret": appsecret}
    resp = requests.post(rest + "/oauth2/tokenP", json=body, timeout=10)
    resp.raise_for_status()
    return resp.json()["access_token"]


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    url, key, secret, krx_code = sys.argv[1:]
    print(check(url, issue_token(url, key, secret), key, secret, krx_code))
