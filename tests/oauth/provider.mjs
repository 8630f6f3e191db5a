// A real OpenID Connect provider on loopback for the OAuth tests
// (oauth2-mock-server: discovery, JWKS, authorize, token with PKCE and
// nonce, userinfo), plus user APIs shaped like GitHub's and Facebook's.
//
// The tests play the browser. On the provider's authorize URL they add who
// signs in (sub, email, email_verified, name) and a scenario that bends
// the provider's answer (a wrong nonce, another issuer, an error...), as a
// real provider's login page would decide who the person is.
//
// Prints one JSON line ({issuer, api}) and runs until stdin closes.

import http from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

const people = new Map(); // authorization code -> who signed in, and the scenario

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(0, '127.0.0.1');
server.issuer.url = `http://127.0.0.1:${server.address().port}`;

server.service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const q = req.query;
  const code = redirect.url.searchParams.get('code');
  if (q.scenario === 'deny') {
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', 'access_denied');
    return;
  }
  people.set(code, {
    challenged: q.code_challenge !== undefined,
    sub: q.sub ?? '4242',
    email: q.email ?? 'pat@example.com',
    email_verified: q.email_verified !== 'false',
    name: q.name ?? 'Pat Person',
    scenario: q.scenario ?? 'ok',
  });
});

server.service.on('beforeTokenSigning', (token, req) => {
  const who = people.get(req.body.code);
  if (!who) return;
  const p = token.payload;
  if (p.aud === undefined) {
    // The access token: the user APIs below read who it is for.
    p.person = who;
    return;
  }
  p.sub = who.sub;
  p.name = who.name;
  if (who.scenario !== 'no_email') {
    p.email = who.email;
    p.email_verified = who.email_verified;
  }
  switch (who.scenario) {
    case 'wrong_nonce': p.nonce = 'not-the-nonce-of-this-login'; break;
    case 'no_nonce': delete p.nonce; break;
    case 'other_issuer': p.iss = 'http://127.0.0.1:9/another-issuer'; break;
    case 'other_audience': p.aud = 'another-client'; break;
    case 'expired': p.iat -= 7200; p.exp = p.iat + 600; break;
    case 'unknown_key': token.header.kid = 'no-such-key'; break;
  }
});

server.service.on('beforeResponse', (response, req) => {
  const who = people.get(req.body.code);
  // PKCE as a strict provider enforces it (RFC 9700 §2.1.1): a code issued
  // for a challenge is refused without the verifier. (A wrong verifier the
  // mock refuses by itself.)
  if (who?.challenged && req.body.code_verifier === undefined) {
    response.statusCode = 400;
    response.body = { error: 'invalid_grant', error_description: 'code_verifier required' };
    return;
  }
  if (who?.scenario === 'token_error') {
    response.statusCode = 400;
    response.body = { error: 'invalid_grant', error_description: 'the code is not valid' };
  }
  if (who?.scenario === 'no_id_token') delete response.body.id_token;
  if (who?.scenario === 'huge_answer') response.body.padding = 'x'.repeat(2 * 1024 * 1024);
  if (who?.scenario === 'bad_signature') {
    // Another person's claims under this token's signature.
    const [header, payload, signature] = response.body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.sub = 'someone-else';
    const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
    response.body.id_token = [header, forged, signature].join('.');
  }
});

server.service.on('beforeUserinfo', (response, req) => {
  const who = person(req);
  if (who) response.body = { sub: who.sub, email: who.email, email_verified: who.email_verified, name: who.name };
});

// Who an access token of this provider is for (it is a JWT we signed).
function person(req) {
  const bearer = (req.headers.authorization ?? '').replace(/^Bearer /i, '');
  const payload = bearer.split('.')[1];
  if (!payload) return undefined;
  return JSON.parse(Buffer.from(payload, 'base64url').toString()).person;
}

const api = http.createServer((req, res) => {
  const who = person(req);
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!who) return reply(401, { message: 'Bad credentials' });
  const path = new URL(req.url, 'http://api').pathname;
  switch (path) {
    case '/github/user':
      return reply(200, { id: Number(who.sub), login: 'pat', name: who.name, avatar_url: 'https://avatars.example/pat', email: null });
    case '/github/user/emails':
      return reply(200, [
        { email: 'old@example.com', primary: false, verified: true },
        { email: who.email, primary: true, verified: who.email_verified },
      ]);
    case '/facebook/me': {
      const me = { id: who.sub, name: who.name, picture: { data: { url: 'https://pictures.example/pat' } } };
      if (who.scenario !== 'no_email') me.email = who.email;
      return reply(200, me);
    }
    default:
      return reply(404, { message: 'Not Found' });
  }
});
await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));

console.log(JSON.stringify({ issuer: server.issuer.url, api: `http://127.0.0.1:${api.address().port}` }));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
