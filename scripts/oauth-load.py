#!/usr/bin/env python3
"""Times whole OAuth logins against a running quickstart and the loopback
OpenID provider (tests/oauth/provider.mjs): start -> provider -> callback ->
cookie bridge -> /me, one browser after another.

    node tests/oauth/provider.mjs          # prints {"issuer": ..., "api": ...}
    PORTCULLIS_OAUTH_MOCK_ISSUER=<issuer> PORTCULLIS_OAUTH_MOCK_CLIENT_ID=load \\
    PORTCULLIS_OAUTH_MOCK_CLIENT_SECRET=load cargo run --release --example quickstart
    python3 scripts/oauth-load.py [base URL] [logins]

Standard library only. Prints the median and 95th percentile of each step.
"""

import http.client
import statistics
import sys
import time
import urllib.parse

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000"
LOGINS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
PROVIDER = "mock"


def get(url, cookies):
    """One GET without following redirects; returns (status, location, cookies set)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc)
    path = parts.path + ("?" + parts.query if parts.query else "")
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    set_cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        set_cookies[name] = rest.split(";", 1)[0]
    conn.close()
    return response.status, response.headers.get("Location"), set_cookies


def login(n):
    redirect = urllib.parse.quote(f"{BASE}/home", safe="")
    cookies, times = {}, {}
    t = time.perf_counter()
    status, to_provider, set_ = get(f"{BASE}/api/auth/{PROVIDER}?redirect={redirect}", {})
    assert status == 302, status
    cookies.update(set_)
    times["start"] = time.perf_counter() - t
    status, callback, _ = get(f"{to_provider}&sub=load{n}&email=load{n}%40example.com", {})
    assert status == 302, status
    t = time.perf_counter()
    status, bridge, _ = get(callback, cookies)
    assert status == 302 and "set-cookies" in bridge, bridge
    times["callback"] = time.perf_counter() - t
    t = time.perf_counter()
    status, _, session = get(bridge, {})
    assert status == 302, status
    times["bridge"] = time.perf_counter() - t
    status, _, _ = get(f"{BASE}/api/me", session)
    assert status == 200, status
    return times


def main():
    rounds = [login(n) for n in range(LOGINS)]
    print(f"{LOGINS} OAuth logins against {BASE}")
    for step in ["start", "callback", "bridge"]:
        values = sorted(r[step] * 1000 for r in rounds)
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"  {step:9} median {statistics.median(values):6.2f} ms   p95 {p95:6.2f} ms")


if __name__ == "__main__":
    main()
