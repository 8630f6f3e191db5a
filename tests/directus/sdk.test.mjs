// Drives the real @directus/sdk against a portcullis server that serves the
// Directus dialect. Started by tests/api/directus_sdk.rs, which passes:
//   PORTCULLIS_DIRECTUS_URL  the dialect's base URL (…/directus)
//   PORTCULLIS_OUTBOX        the folder the server writes mail into
//   PORTCULLIS_EMAIL_PREFIX  a prefix of users the server created, PORTCULLIS_PASSWORD theirs
//   PORTCULLIS_SERVER_TIME   the server's (held) clock in Unix seconds, for TOTP codes
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  authentication, createDirectus, disableTwoFactor, enableTwoFactor, generateTwoFactorSecret,
  isDirectusError, passwordRequest, passwordReset, readMe, readProviders, rest, staticToken, updateMe,
} from '@directus/sdk';

const URL = process.env.PORTCULLIS_DIRECTUS_URL;
const OUTBOX = process.env.PORTCULLIS_OUTBOX;
const PASSWORD = process.env.PORTCULLIS_PASSWORD;
const SERVER_TIME = Number(process.env.PORTCULLIS_SERVER_TIME);
const user = (name) => `${name}${process.env.PORTCULLIS_EMAIL_PREFIX}@example.com`;

/** A fetch with a cookie jar, as a browser would have. */
function browserFetch() {
  const jar = new Map();
  const jarFetch = async (url, init = {}) => {
    const headers = new Headers(init.headers ?? {});
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1);
      if (/max-age=0/i.test(cookie) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  jarFetch.jar = jar;
  return jarFetch;
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), written here: independent of the server. */
function totp(base32, unixSeconds) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function rejects(promise, status, code) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isDirectusError(error), `a Directus error: ${error}`);
    assert.equal(error.response.status, status);
    assert.equal(error.errors[0].extensions.code, code);
    return error;
  }
  assert.fail(`expected ${code}`);
}

test('json mode: login, readMe, auto-refresh, refresh, logout', async () => {
  const client = createDirectus(URL).with(authentication('json')).with(rest());
  const login = await client.login({ email: user('json'), password: PASSWORD });
  assert.ok(login.access_token && login.refresh_token);
  assert.equal(login.expires, 2000, 'expires is in milliseconds');
  const me = await client.request(readMe());
  assert.equal(me.email, user('json'));
  const refreshedByTheSdk = await client.getToken();
  assert.notEqual(refreshedByTheSdk, login.access_token, 'the SDK refreshed the short-lived token itself');
  const refreshed = await client.refresh();
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== login.refresh_token, 'rotated');
  await client.logout();
  await rejects(client.request(readMe()), 401, 'INVALID_CREDENTIALS');
  const stale = createDirectus(URL).with(authentication('json')).with(rest());
  await stale.setToken(null);
  await rejects(
    fetch(`${URL}/auth/refresh`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshed.refresh_token, mode: 'json' }),
    }).then(async (r) => { const body = await r.json(); if (!r.ok) throw Object.assign(body, { response: r }); }),
    401, 'INVALID_CREDENTIALS',
  );
});

test('cookie mode keeps the refresh token in an HttpOnly cookie', async () => {
  const fetch = browserFetch();
  const client = createDirectus(URL, { globals: { fetch } })
    .with(authentication('cookie', { credentials: 'include' }))
    .with(rest({ credentials: 'include' }));
  const login = await client.login({ email: user('cookie'), password: PASSWORD });
  assert.ok(login.access_token);
  assert.equal(login.refresh_token, undefined, 'no refresh token in the body');
  assert.ok(fetch.jar.has('directus_refresh_token'));
  assert.equal((await client.request(readMe())).email, user('cookie'));
  const before = fetch.jar.get('directus_refresh_token');
  await client.refresh();
  assert.notEqual(fetch.jar.get('directus_refresh_token'), before, 'the cookie rotated');
  await client.logout();
  assert.ok(!fetch.jar.has('directus_refresh_token'), 'logout clears the cookie');
});

test('session mode authenticates by the session cookie alone', async () => {
  const fetch = browserFetch();
  const client = createDirectus(URL, { globals: { fetch } })
    .with(authentication('session', { credentials: 'include' }))
    .with(rest({ credentials: 'include' }));
  const login = await client.login({ email: user('session'), password: PASSWORD });
  assert.equal(login.expires, 2000);
  assert.equal(login.access_token, undefined, 'no token in the body');
  assert.equal(login.refresh_token, undefined);
  assert.ok(fetch.jar.has('directus_session_token'));
  assert.equal((await client.request(readMe())).email, user('session'));
  const before = fetch.jar.get('directus_session_token');
  await client.refresh();
  assert.notEqual(fetch.jar.get('directus_session_token'), before);
  assert.equal((await client.request(readMe())).email, user('session'));
  await client.logout();
  assert.ok(!fetch.jar.has('directus_session_token'));
  await rejects(client.request(readMe()), 401, 'INVALID_CREDENTIALS');
});

test('cookie-setting requests from a foreign origin are refused', async () => {
  const login = await fetch(`${URL}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: 'https://evil.test' },
    body: JSON.stringify({ email: user('cookie'), password: PASSWORD, mode: 'session' }),
  });
  assert.equal(login.status, 403, 'login CSRF');
  assert.equal(login.headers.getSetCookie().length, 0);
});

test('errors are Directus errors with Directus codes', async () => {
  const client = createDirectus(URL).with(authentication('json')).with(rest());
  await rejects(client.login({ email: user('json'), password: 'wrong password' }), 401, 'INVALID_CREDENTIALS');
  await rejects(client.login({ email: 'nobody@example.com', password: 'wrong password' }), 401, 'INVALID_CREDENTIALS');
  await rejects(client.request(passwordRequest(user('json'), 'https://evil.test/reset')), 400, 'INVALID_PAYLOAD');
  // Shapes as a Directus 11 server answers them (compared with one).
  const notAnEmail = await rejects(client.login({ email: 'abc', password: 'x' }), 400, 'INVALID_PAYLOAD');
  assert.equal(notAnEmail.errors[0].extensions.reason, '"email" must be a valid email');
  await rejects(client.request(readMe()), 401, 'INVALID_CREDENTIALS');
  const opaque = createDirectus(URL).with(staticToken('not-a-jwt')).with(rest());
  await rejects(opaque.request(readMe()), 401, 'INVALID_CREDENTIALS');
  const login = await client.login({ email: user('json'), password: PASSWORD });
  const [head, body] = login.access_token.split('.');
  const forged = createDirectus(URL).with(staticToken(`${head}.${body}.AAAA`)).with(rest());
  await rejects(forged.request(readMe()), 403, 'INVALID_TOKEN');
  const both = await fetch(`${URL}/users/me?access_token=x`, { headers: { authorization: 'Bearer y' } });
  assert.equal(both.status, 400, 'more than one way of sending a token');
});

test('readProviders, updateMe and ?access_token=', async () => {
  const client = createDirectus(URL).with(authentication('json')).with(rest());
  assert.deepEqual(await client.request(readProviders()), [
    { name: 'keycloak', driver: 'openid', label: 'Keycloak', icon: 'key' },
  ]);
  const login = await client.login({ email: user('profile'), password: PASSWORD });
  const updated = await client.request(updateMe({ first_name: 'Ada', last_name: 'Lovelace' }));
  assert.equal(updated.first_name, 'Ada');
  assert.equal(updated.last_name, 'Lovelace');
  const viaQuery = await fetch(`${URL}/users/me?access_token=${encodeURIComponent(await client.getToken())}`);
  assert.equal(viaQuery.status, 200);
  assert.equal((await viaQuery.json()).data.first_name, 'Ada');
  assert.ok(login.access_token);
});

test('passwordRequest and passwordReset with the token from the mail', async () => {
  const client = createDirectus(URL).with(authentication('json')).with(rest());
  const before = new Set(fs.existsSync(OUTBOX) ? fs.readdirSync(OUTBOX) : []);
  assert.equal(await client.request(passwordRequest(user('reset'))), null, '204, no body');
  let mail;
  for (let i = 0; i < 200 && !mail; i++) {
    const fresh = (fs.existsSync(OUTBOX) ? fs.readdirSync(OUTBOX) : [])
      .filter((f) => f.endsWith('.eml') && !before.has(f))
      .map((f) => fs.readFileSync(path.join(OUTBOX, f), 'utf8'))
      .find((m) => m.includes(user('reset')));
    mail = fresh ?? (await new Promise((r) => setTimeout(r, 50)));
  }
  assert.ok(mail, 'the reset mail arrived');
  const text = mail.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const token = text.match(/token=([A-Za-z0-9_-]+)/)[1];
  await client.request(passwordReset(token, 'a brand new password'));
  const login = await client.login({ email: user('reset'), password: 'a brand new password' });
  assert.ok(login.access_token);
});

test('two-factor: generate, enable, login with otp, disable', async () => {
  const client = createDirectus(URL).with(authentication('json')).with(rest());
  await client.login({ email: user('tfa'), password: PASSWORD });
  await rejects(client.request(generateTwoFactorSecret('wrong password')), 401, 'INVALID_CREDENTIALS');
  const { secret, otpauth_url } = await client.request(generateTwoFactorSecret(PASSWORD));
  assert.ok(otpauth_url.startsWith('otpauth://totp/'));
  // Codes for the server's clock, which the test holds still: the steps
  // before, at and after it are all accepted, once each and in order.
  const now = SERVER_TIME;
  const notEnabled = await rejects(client.request(disableTwoFactor('000000')), 400, 'INVALID_PAYLOAD');
  assert.match(notEnabled.errors[0].extensions.reason, /doesn't have TFA enabled/);
  await rejects(client.request(enableTwoFactor(secret, '000000')), 400, 'INVALID_PAYLOAD');
  await client.request(enableTwoFactor(secret, totp(secret, now - 30)));
  await rejects(client.login({ email: user('tfa'), password: PASSWORD }), 401, 'INVALID_OTP');
  const login = await client.login({ email: user('tfa'), password: PASSWORD }, { otp: totp(secret, now) });
  assert.ok(login.access_token);
  await client.request(disableTwoFactor(totp(secret, now + 30)));
  const plain = await client.login({ email: user('tfa'), password: PASSWORD });
  assert.ok(plain.access_token, 'no code needed once disabled');
});
