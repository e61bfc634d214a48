// The live stream (SSE at {base}/api/events): one EventSource per page
// load, shared by every view. Pages subscribe to event names; while the
// user has paused live updates, `op` and `overview` are held back (the
// latest overview is kept and delivered on resume) while `connection` and
// `operation` (progress of a bulk action the user started) always pass.

import { base } from './api.js';

const listeners = new Map(); // event name -> Set of functions
let source = null;
let paused = false;
let heldOverview = null;
const stateListeners = new Set();
export let streamState = 'connecting';

const ALWAYS = new Set(['connection', 'operation']);

function deliver(name, data) {
  const set = listeners.get(name);
  if (!set) return;
  for (const fn of [...set]) {
    try { fn(data); } catch (e) { console.error(e); }
  }
}

function onEvent(name, ev) {
  let data = null;
  try { data = ev.data ? JSON.parse(ev.data) : null; } catch { data = ev.data; }
  if (paused && !ALWAYS.has(name)) {
    if (name === 'overview') heldOverview = data;
    return;
  }
  deliver(name, data);
}

function setStreamState(s) {
  streamState = s;
  for (const fn of stateListeners) fn(s);
}

export function start() {
  if (source) return;
  source = new EventSource(base + 'api/events', { withCredentials: true });
  for (const name of ['op', 'overview', 'connection', 'operation']) {
    source.addEventListener(name, (ev) => onEvent(name, ev));
  }
  source.onopen = () => setStreamState('open');
  source.onerror = () => setStreamState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
}

export function stop() {
  if (source) source.close();
  source = null;
}

export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(fn);
  return () => listeners.get(name).delete(fn);
}

export function onStreamState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

export function isPaused() {
  return paused;
}

export function setPaused(p) {
  paused = p;
  if (!p) {
    if (heldOverview) deliver('overview', heldOverview);
    // Always one `op` on resume: a refresh that was due when the pause
    // began was skipped (pages check isPaused() when it fires).
    deliver('op', { held: true });
    heldOverview = null;
  }
}
