// The JSON API of desaster-web: every request goes through here, so the
// base path (desaster-web may sit under a prefix behind a proxy), the
// session's CSRF token on every POST and the display of API errors live in
// one place.

import { h } from './dom.js';

// The page is served at {base}/ and its modules at {base}/assets/, so the
// base is this module's directory's parent; it needs no configuration.
export const base = new URL('..', import.meta.url).pathname;

export const session = { csrf_token: '', read_only: false, auth_required: false, logged_in: true };

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function decode(res) {
  const type = res.headers.get('content-type') || '';
  let body = null;
  if (type.includes('json')) {
    try { body = await res.json(); } catch { body = null; }
  } else {
    body = await res.text();
  }
  if (!res.ok) {
    let message = body && typeof body === 'object' && body.error ? body.error :
      (typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : res.statusText);
    if (res.status === 401 && !message) message = 'login required';
    throw new ApiError(res.status, `${message} (HTTP ${res.status})`);
  }
  return body;
}

export async function get(path, params) {
  const url = new URL(base + path, location.origin);
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
    }
  }
  const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) onUnauthorized();
  return decode(res);
}

export async function post(path, body) {
  const res = await fetch(base + path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': session.csrf_token },
    body: JSON.stringify(body ?? {}),
  });
  if (res.status === 401) onUnauthorized();
  return decode(res);
}

export async function loadSession() {
  const s = await get('api/session');
  Object.assign(session, s);
  document.body.classList.toggle('read-only', !!session.read_only);
  return session;
}

export async function login(password) {
  const res = await fetch(base + 'login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ password }).toString(),
    redirect: 'manual',
  });
  // A redirect (opaqueredirect) after the form post means it was accepted.
  if (res.type === 'opaqueredirect') return;
  await decode(res);
}

export async function logout() {
  await fetch(base + 'logout', {
    method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': session.csrf_token }, redirect: 'manual',
  });
}

function onUnauthorized() {
  if (session.auth_required !== false || !location.hash.startsWith('#/login')) {
    session.logged_in = false;
    if (!location.hash.startsWith('#/login')) {
      location.hash = '#/login?next=' + encodeURIComponent(location.hash || '#/');
    }
  }
}

// Errors are shown on the page, in a list at the top that the user closes;
// the same message is not stacked twice.
export function showError(err) {
  const box = document.getElementById('errors');
  const text = err instanceof Error ? err.message : String(err);
  for (const el of box.children) if (el.dataset.text === text) return;
  const item = h('div', { class: 'error', dataset: { text } },
    h('span', null, text),
    h('button', { type: 'button', class: 'close', title: 'dismiss', onclick: () => item.remove() }, '×'));
  box.appendChild(item);
}

export function clearErrors() {
  const box = document.getElementById('errors');
  while (box.firstChild) box.removeChild(box.firstChild);
}

// Runs an action (a POST) and reports its failure on the page; returns
// its result or undefined.
export async function act(path, body) {
  try {
    return await post(path, body);
  } catch (e) {
    showError(e);
    return undefined;
  }
}

// Whether the user may act (not read-only); pages render no action
// buttons otherwise.
export function canAct() {
  return !session.read_only;
}
