// The page's entry: loads the session, routes the hash (#/jobs?state=failed
// holds the view and its filter, so every view is bookmarkable), keeps the
// header (live toggle, connection, banner) and hands the main area to one
// page module at a time. A page module exports render(main, params) and
// returns {destroy()}.

import { get, loadSession, session, showError, clearErrors, logout, canAct } from './api.js';
import { h, replace } from './dom.js';
import * as live from './live.js';
import * as dashboard from './pages/dashboard.js';
import * as queues from './pages/queues.js';
import * as jobs from './pages/jobs.js';
import * as job from './pages/job.js';
import * as failed from './pages/failed.js';
import * as workers from './pages/workers.js';
import * as nodes from './pages/nodes.js';
import * as cron from './pages/cron.js';
import * as login from './pages/login.js';

const routes = [
  [/^\/?$/, 'dashboard', dashboard],
  [/^\/queues$/, 'queues', queues],
  [/^\/jobs$/, 'jobs', jobs],
  [/^\/jobs\/([0-9a-fA-F]{1,16})$/, 'jobs', job],
  [/^\/failed$/, 'failed', failed],
  [/^\/workers$/, 'workers', workers],
  [/^\/nodes$/, 'nodes', nodes],
  [/^\/cron$/, 'cron', cron],
  [/^\/login$/, 'login', login],
];

let current = null;
let showConnection = () => {};

// One look at how desaster-web is connected (at start, and while it is away).
async function checkConnection() {
  try {
    const o = await get('api/overview');
    showConnection({ connected_to: o.connected_to, state: o.connection_state, message: o.message });
  } catch { /* not logged in yet, or desaster-web itself restarting: the stream says so */ }
}

export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return { path, params };
}

function route() {
  const { path, params } = parseHash();
  if (session.auth_required && !session.logged_in && path !== '/login') {
    location.replace('#/login?next=' + encodeURIComponent(location.hash || '#/'));
    return;
  }
  const main = document.getElementById('main');
  if (current && current.destroy) current.destroy();
  current = null;
  clearErrors();
  let found = null;
  let match = null;
  for (const [re, name, mod] of routes) {
    match = path.match(re);
    if (match) { found = [name, mod]; break; }
  }
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', !!found && a.dataset.route === found[0]);
  }
  if (!found) {
    replace(main, h('h1', null, 'Not found'), h('p', null, 'No page at ', h('code', null, path), '. ',
      h('a', { href: '#/' }, 'Dashboard')));
    return;
  }
  document.body.dataset.page = found[0] + (match[1] ? '-detail' : '');
  replace(main);
  try {
    current = found[1].render(main, params, match.slice(1));
  } catch (e) {
    showError(e);
  }
}

function header() {
  const btn = document.getElementById('live');
  const sync = () => {
    const p = live.isPaused();
    btn.classList.toggle('on', !p);
    btn.textContent = p ? 'Paused — resume' : 'Live — pause';
    btn.setAttribute('aria-pressed', String(!p));
  };
  btn.addEventListener('click', () => { live.setPaused(!live.isPaused()); sync(); });
  sync();

  const conn = document.getElementById('conn');
  const showConn = (state, text) => {
    conn.className = 'conn ' + state;
    conn.textContent = text;
  };
  live.onStreamState((s) => {
    if (s === 'open') showConn('ok', 'live');
    else showConn('bad', s === 'reconnecting' ? 'stream lost, reconnecting…' : 'stream closed');
  });
  live.on('overview', (o) => {
    if (o && o.connected_to) {
      conn.title = `desaster-web is connected to ${o.connected_to} (${o.connection_state})`;
    }
  });

  // desaster-web moved to another node (or lost it): say so on every page.
  // The same news comes two ways: `connection` events, and the connection
  // fields of each `overview` (and of one GET at start, so a page opened
  // while desaster-web is away knows); a change in either shows.
  const banner = document.getElementById('banner');
  let node = null; // the node desaster-web was last connected to
  let lost = false;
  let lastState = null;
  let lastTarget = null;
  showConnection = (c) => {
    if (!c || !c.state) return;
    if (c.state === lastState && c.connected_to === lastTarget) return;
    lastState = c.state;
    lastTarget = c.connected_to;
    let text;
    if (c.state === 'connected') {
      watchReconnect(false);
      const moved = node !== null && c.connected_to !== node;
      const wasLost = lost;
      lost = false;
      node = c.connected_to;
      if (!wasLost && !moved) return; // nothing new to say
      text = moved ? `desaster-web moved to node ${c.connected_to}` : `desaster-web is connected to ${c.connected_to} again`;
    } else {
      lost = true;
      watchReconnect(true);
      text = `desaster-web lost its node (${c.state}): ${c.message || 'trying the others'}; data shown is as of the last update`;
    }
    banner.hidden = false;
    banner.className = c.state === 'connected' ? 'banner info' : 'banner warn';
    replace(banner, h('span', null, text),
      h('button', { type: 'button', class: 'close', title: 'dismiss', onclick: () => { banner.hidden = true; } }, '×'));
  };
  live.on('overview', (o) => o && showConnection({ connected_to: o.connected_to, state: o.connection_state, message: o.message }));
  live.on('connection', (c) => showConnection(c));

  // While desaster-web is away from its node, ask desaster-web (never the
  // node) every 2 s how it is doing, so the page hears of the return even
  // if no event says so.
  let reconnectTimer = null;
  function watchReconnect(on) {
    if (!on) { clearInterval(reconnectTimer); reconnectTimer = null; return; }
    if (reconnectTimer) return;
    reconnectTimer = setInterval(checkConnection, 2000);
  }

  const who = document.getElementById('who');
  const showWho = () => {
    replace(who,
      session.read_only ? h('span', { class: 'pill', title: 'desaster-web runs --read-only: no actions' }, 'read-only') : null,
      session.auth_required && session.logged_in
        ? h('button', { type: 'button', class: 'link', onclick: async () => { await logout(); location.hash = '#/login'; location.reload(); } }, 'Log out')
        : null);
  };
  showWho();
  return showWho;
}

async function main() {
  const showWho = header();
  try {
    await loadSession();
  } catch (e) {
    showError(e);
  }
  showWho();
  if (!session.auth_required || session.logged_in) {
    live.start();
    checkConnection();
  }
  window.addEventListener('hashchange', route);
  route();
}

window.desaster = { session, canAct };
main();
