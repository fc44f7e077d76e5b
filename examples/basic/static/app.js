// The jwtsession browser demo: log in, call /me, watch the token's expiry
// count down and jump forward when the server renews the token, log out.
// With the DPoP transport (RFC 9449), the token is bound to an ES256 key
// pair made here with WebCrypto, whose private key cannot be exported:
// every request carries a new proof signed with it. Plain JavaScript, no
// build step.
'use strict';

// RENEW_HEADER carries a renewed token in the header transport.
const RENEW_HEADER = 'X-Renewed-Token';
// EXPIRY_COOKIE holds the token's exp (Unix seconds) in the cookie
// transport; the token itself is in an HttpOnly cookie the page cannot
// read.
const EXPIRY_COOKIE = 'demo_session_exp';

const state = {
  transport: null, // "header", "cookie" or "dpop" once logged in
  token: null,     // header and dpop transports only
  key: null,       // dpop: the CryptoKeyPair; its private key is not extractable
  jwk: null,       // dpop: the public key, as the proofs' jwk header
  nonce: null,     // dpop: the server's latest DPoP-Nonce, if it sends any
  exp: 0,          // the current token's exp, Unix seconds
  renewals: 0,
};

const $ = (id) => document.getElementById(id);

// tokenExp reads exp from a token's payload (no verification: the page
// only shows it).
function tokenExp(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const json = atob(part + '='.repeat((4 - (part.length % 4)) % 4));
  return JSON.parse(json).exp;
}

function cookieExp() {
  for (const pair of document.cookie.split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === EXPIRY_COOKIE) {
      return Number(value) || 0;
    }
  }
  return 0;
}

function log(message) {
  const item = document.createElement('li');
  item.textContent = new Date().toLocaleTimeString() + '  ' + message;
  $('log').prepend(item);
}

function showStatus(message, isError) {
  $('status').textContent = message;
  $('status').className = isError ? 'error' : '';
}

// setExp records a token's expiry; a later expiry than the current one
// is a renewal taken up.
function setExp(exp) {
  if (state.exp && exp > state.exp) {
    state.renewals++;
    $('renewals').textContent = String(state.renewals);
    log('renewed token taken up: expiry moved ' + (exp - state.exp) + ' s later');
  }
  state.exp = exp;
  $('countdown').dataset.exp = String(exp);
  tick();
}

function tick() {
  const el = $('countdown');
  if (!state.exp) {
    el.textContent = '–';
    el.className = '';
    return;
  }
  const left = state.exp - Date.now() / 1000;
  el.textContent = left > 0 ? Math.ceil(left) + ' s' : 'expired';
  el.className = left < 10 ? 'low' : '';
}

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const utf8 = (text) => new TextEncoder().encode(text);

// newDPoPKey makes the page's key pair: ECDSA P-256 (ES256), the private
// key not extractable, so that no script can copy it out of the browser.
async function newDPoPKey() {
  state.key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', state.key.publicKey);
  state.jwk = { kty, crv, x, y };
}

// proof signs a DPoP proof for a request of method to path on this
// origin, bound to token (ath) unless it is null.
async function proof(method, path, token) {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: state.jwk };
  const claims = {
    jti: crypto.randomUUID(),
    htm: method,
    htu: location.origin + path.split('?')[0],
    iat: Math.floor(Date.now() / 1000),
  };
  if (token) {
    claims.ath = b64url(await crypto.subtle.digest('SHA-256', utf8(token)));
  }
  if (state.nonce) {
    claims.nonce = state.nonce;
  }
  const input = b64url(utf8(JSON.stringify(header))) + '.' + b64url(utf8(JSON.stringify(claims)));
  // WebCrypto's ECDSA signature is R || S, as JWS wants it.
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, state.key.privateKey, utf8(input));
  return input + '.' + b64url(sig);
}

// dpopFetch sends a request with a new proof, and once more with a new
// proof when the server asks for its nonce (use_dpop_nonce).
async function dpopFetch(path, init, token) {
  const method = (init.method || 'GET').toUpperCase();
  let res;
  for (let attempt = 0; attempt < 2; attempt++) {
    const headers = new Headers(init.headers || {});
    headers.set('DPoP', await proof(method, path, token));
    if (token) {
      headers.set('Authorization', 'DPoP ' + token);
    }
    res = await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
    const nonce = res.headers.get('DPoP-Nonce');
    if (nonce) {
      state.nonce = nonce;
    }
    const challenge = res.headers.get('WWW-Authenticate') || '';
    const askedForNonce = nonce && (challenge.includes('use_dpop_nonce') || res.status === 400);
    if (!askedForNonce || attempt > 0) {
      break;
    }
    log('server asked for a DPoP nonce: retrying with it');
  }
  return res;
}

// api is fetch with the session attached and renewals picked up. In the
// header transport the page sends its token and swaps in X-Renewed-Token
// whenever a response carries one; in the dpop transport it does the
// same, with a new proof per request; in the cookie transport the
// browser sends the cookie, the server re-sets it, and the page only
// reads the new expiry.
async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (state.transport === 'header' && state.token) {
    headers.set('Authorization', 'Bearer ' + state.token);
  }
  const res = state.transport === 'dpop' && state.token
    ? await dpopFetch(path, init, state.token)
    : await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
  if (state.transport === 'header' || state.transport === 'dpop') {
    const renewed = res.headers.get(RENEW_HEADER);
    if (renewed) {
      state.token = renewed;
      setExp(tokenExp(renewed));
    }
  } else if (state.transport === 'cookie') {
    const exp = cookieExp();
    if (exp && exp !== state.exp) {
      setExp(exp);
    }
  }
  return res;
}

async function problem(res) {
  try {
    const body = await res.json();
    return body.error_description || body.error || '';
  } catch {
    return '';
  }
}

async function login() {
  const transport = document.querySelector('input[name=transport]:checked').value;
  Object.assign(state, { transport: null, token: null, exp: 0, renewals: 0 });
  $('renewals').textContent = '0';
  const init = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: $('username').value,
      password: $('password').value,
      transport: transport === 'dpop' ? 'header' : transport,
    }),
  };
  let res;
  if (transport === 'dpop') {
    await newDPoPKey();
    res = await dpopFetch('/login', init, null);
  } else {
    res = await fetch('/login', init);
  }
  if (!res.ok) {
    showStatus('login failed: ' + res.status + ' ' + (await problem(res)), true);
    return;
  }
  const body = await res.json();
  state.transport = transport;
  if (transport === 'header' || transport === 'dpop') {
    state.token = body.access_token;
    setExp(tokenExp(state.token));
  } else {
    setExp(cookieExp() || Math.floor(Date.now() / 1000) + body.expires_in);
  }
  $('transport').textContent = transport;
  log('logged in with the ' + transport + ' transport' + (transport === 'dpop' ? ' (token_type ' + body.token_type + ')' : ''));
  await me();
}

async function me() {
  const res = await api('/me');
  if (res.ok) {
    const body = await res.json();
    $('user').textContent = body.user_id;
    showStatus('GET /me: ' + res.status);
  } else {
    $('user').textContent = '–';
    showStatus('GET /me: ' + res.status + ' ' + (await problem(res)), true);
  }
  log('GET /me → ' + res.status);
}

async function logout() {
  const res = await api('/logout', { method: 'POST' });
  Object.assign(state, { token: null, exp: 0 });
  $('countdown').dataset.exp = '0';
  $('user').textContent = '–';
  tick();
  showStatus(res.ok ? 'logged out' : 'logout: ' + res.status + ' ' + (await problem(res)), !res.ok);
  log('POST /logout → ' + res.status);
}

// guard reports a failed request (the server unreachable, for one)
// instead of leaving an unhandled rejection.
const guard = (f) => () => f().catch((err) => showStatus(String(err), true));

document.addEventListener('DOMContentLoaded', () => {
  $('login').addEventListener('click', guard(login));
  $('me').addEventListener('click', guard(me));
  $('logout').addEventListener('click', guard(logout));
  setInterval(tick, 250);
  document.body.dataset.ready = 'true';
});
