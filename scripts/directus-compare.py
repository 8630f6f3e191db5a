#!/usr/bin/env python3
"""Sends the same Directus auth requests to a real Directus 11 server and to
portcullis's Directus dialect, and prints both answers side by side (tokens
and expiry times masked), so that differences in status codes, error codes,
body shapes and cookie attributes show.

    node tests/oauth/provider.mjs                     # an OpenID provider: {"issuer": ...}
    npm install directus@11 && npx directus bootstrap && npx directus start
      # DB_CLIENT=pg ... ADMIN_EMAIL/ADMIN_PASSWORD, AUTH_PROVIDERS=keycloak,
      # AUTH_KEYCLOAK_DRIVER=openid, AUTH_KEYCLOAK_ISSUER_URL=<issuer>/.well-known/openid-configuration
    cargo run --example quickstart
      # the same admin, PORTCULLIS_OAUTH_KEYCLOAK_{CLIENT_ID,CLIENT_SECRET,ISSUER}
    python3 scripts/directus-compare.py http://127.0.0.1:8055 http://127.0.0.1:3000/directus \\
        admin@example.com <password>

Standard library only. Both servers need the same admin account and a
provider named `keycloak`; the OAuth rows log in as the provider's person.
"""

import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

DIRECTUS, OURS, EMAIL, PASSWORD = sys.argv[1:5]
BASES = {"directus": DIRECTUS, "portcullis": OURS}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(base, method, path, body=None, headers=None, raw=None, jar=None):
    """One request, redirects not followed: (status, body text, Set-Cookie headers, Location)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    all_headers = {"content-type": "application/json"} if data is not None else {}
    all_headers.update(headers or {})
    url = path if path.startswith("http") else base + path
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    handlers = [NoRedirect()] + ([urllib.request.HTTPCookieProcessor(jar)] if jar is not None else [])
    try:
        response = urllib.request.build_opener(*handlers).open(request)
    except urllib.error.HTTPError as error:
        response = error
    text = response.read().decode(errors="replace")
    return response.status, text, response.headers.get_all("set-cookie") or [], response.headers.get("location")


def mask(text):
    text = re.sub(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", "<jwt>", text)
    text = re.sub(r'"(refresh_token|access_token)":"[^"]+"', r'"\1":"<token>"', text)
    text = re.sub(r"(directus_\w+_token)=[^;]+", r"\1=<token>", text)
    text = re.sub(r'"expires":\d+', '"expires":<ms>', text)
    return re.sub(r"(state|code|code_challenge|nonce)=[\w-]+", r"\1=<v>", text)


def show(name, status, text, cookies, location):
    print(f"  {name:10} {status} {mask(text)[:300]}")
    for cookie in cookies:
        print(f"  {'':10} set-cookie: {mask(cookie)}")
    if location:
        print(f"  {'':10} location: {mask(location)[:160]}")


def both(label, method, path, body=None, headers=None, raw=None):
    print(f"\n== {label}: {method} {path}")
    for name, base in BASES.items():
        show(name, *call(base, method, path, body, headers, raw))


def per_server(label, steps):
    """Runs `steps(base)` on each server; it returns the answer to show."""
    print(f"\n== {label}")
    for name, base in BASES.items():
        show(name, *steps(base))


def login(base, mode="json"):
    return json.loads(call(base, "POST", "/auth/login", {"email": EMAIL, "password": PASSWORD, "mode": mode})[1])


def bearer(base):
    return {"authorization": "Bearer " + login(base)["data"]["access_token"]}


def spent_refresh(base):
    token = login(base)["data"]["refresh_token"]
    call(base, "POST", "/auth/refresh", {"refresh_token": token})
    return call(base, "POST", "/auth/refresh", {"refresh_token": token})


def forged(base):
    head, payload, _ = login(base)["data"]["access_token"].split(".")
    return call(base, "GET", "/users/me", headers={"authorization": f"Bearer {head}.{payload}.AAAA"})


def oauth(query, person):
    """A provider login in a fresh browser: start, sign in as `person`, the callback's answer."""
    def steps(base):
        jar = http.cookiejar.CookieJar()
        status, text, cookies, location = call(base, "GET", "/auth/login/keycloak" + query, jar=jar)
        if status != 302:
            return status, text, cookies, location
        at_provider = location + "&" + urllib.parse.urlencode(person)
        _, _, _, callback = call(base, "GET", at_provider, jar=jar)
        return call(base, "GET", callback, jar=jar)
    return steps


both("wrong password", "POST", "/auth/login", {"email": EMAIL, "password": "wrong"})
both("unknown user", "POST", "/auth/login", {"email": "nobody@example.com", "password": "wrong"})
both("no password", "POST", "/auth/login", {"email": EMAIL})
both("not an address", "POST", "/auth/login", {"email": "abc", "password": "x"})
both("bad JSON", "POST", "/auth/login", raw=b"{not json")
both("bad mode", "POST", "/auth/login", {"email": EMAIL, "password": PASSWORD, "mode": "weird"})
both("json login", "POST", "/auth/login", {"email": EMAIL, "password": PASSWORD})
both("cookie login", "POST", "/auth/login", {"email": EMAIL, "password": PASSWORD, "mode": "cookie"})
both("session login", "POST", "/auth/login", {"email": EMAIL, "password": PASSWORD, "mode": "session"})
both("refresh without token", "POST", "/auth/refresh", {})
both("refresh, unknown token", "POST", "/auth/refresh", {"refresh_token": "nope"})
per_server("refresh, spent token", spent_refresh)
both("logout without token", "POST", "/auth/logout", {})
both("me, anonymous", "GET", "/users/me")
both("me, not a JWT", "GET", "/users/me", headers={"authorization": "Bearer nope"})
per_server("me, forged JWT", forged)
per_server("me, two tokens", lambda base: call(base, "GET", "/users/me?access_token=x", headers=bearer(base)))
per_server("tfa generate, wrong password",
           lambda base: call(base, "POST", "/users/me/tfa/generate", {"password": "wrong"}, headers=bearer(base)))
per_server("tfa enable, no enrolment",
           lambda base: call(base, "POST", "/users/me/tfa/enable", {"secret": "AAAA", "otp": "000000"}, headers=bearer(base)))
per_server("tfa disable, no TFA",
           lambda base: call(base, "POST", "/users/me/tfa/disable", {"otp": "000000"}, headers=bearer(base)))
both("password request, unknown", "POST", "/auth/password/request", {"email": "nobody@example.com"})
both("password request, foreign page", "POST", "/auth/password/request",
     {"email": EMAIL, "reset_url": "https://evil.example/reset"})
both("password reset, bad token", "POST", "/auth/password/reset", {"token": "nope", "password": "a new password 1"})
both("providers", "GET", "/auth")
both("provider login, foreign redirect", "GET", "/auth/login/keycloak?redirect=https://evil.example/")
both("provider callback, no login", "GET", "/auth/login/keycloak/callback?code=x&state=y")
per_server("provider login without redirect", oauth("", {"email": "sso@example.com", "sub": "sso"}))
per_server("provider login refused, no redirect", oauth("", {"scenario": "deny"}))
per_server("provider login, the admin's address", oauth("", {"email": EMAIL, "sub": "admin"}))
