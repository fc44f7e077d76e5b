// The jwtsession browser demo: log in, call /me, watch the token's expiry
// count down and jump forward when the server renews the token, log out.
// Plain JavaScript, no build step.
'use strict';

// RENEW_HEADER carries a renewed token in the header transport.
const RENEW_HEADER = 'X-Renewed-Token';
// EXPIRY_COOKIE holds the token's exp (Unix seconds) in the cookie
// transport; the token itself is in an HttpOnly cookie the page cannot
// read.
const EXPIRY_COOKIE = 'demo_session_exp';

const state = {
  transport: null, // "header" or "cookie" once logged in
  token: null,     // header transport only
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

// api is fetch with the session attached and renewals picked up. In the
// header transport the page sends its token and swaps in X-Renewed-Token
// whenever a response carries one; in the cookie transport the browser
// sends the cookie, the server re-sets it, and the page only reads the
// new expiry.
async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (state.transport === 'header' && state.token) {
    headers.set('Authorization', 'Bearer ' + state.token);
  }
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
  if (state.transport === 'header') {
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
  const res = await fetch('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: $('username').value, password: $('password').value, transport }),
  });
  if (!res.ok) {
    showStatus('login failed: ' + res.status + ' ' + (await problem(res)), true);
    return;
  }
  const body = await res.json();
  state.transport = transport;
  if (transport === 'header') {
    state.token = body.access_token;
    setExp(tokenExp(state.token));
  } else {
    setExp(cookieExp() || Math.floor(Date.now() / 1000) + body.expires_in);
  }
  $('transport').textContent = transport;
  log('logged in with the ' + transport + ' transport');
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
