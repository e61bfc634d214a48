// Small DOM and formatting helpers shared by every page. h() builds
// elements without innerHTML, so text from the cluster (job payloads,
// errors, queue names) is never parsed as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k in el && typeof v !== 'string') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

const nf = new Intl.NumberFormat('en-US');
export function num(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  return nf.format(n);
}

// Milliseconds to a short human duration: 850 ms, 12 s, 3 min 4 s, 2 h 5 min, 3 d 4 h.
export function dur(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '–';
  const neg = ms < 0;
  ms = Math.abs(ms);
  let s;
  if (ms < 1000) s = `${Math.round(ms)} ms`;
  else if (ms < 60e3) s = `${(ms / 1000).toFixed(ms < 10e3 ? 1 : 0)} s`;
  else if (ms < 3600e3) s = two(Math.floor(ms / 60e3), 'min', Math.floor((ms % 60e3) / 1000), 's');
  else if (ms < 86400e3) s = two(Math.floor(ms / 3600e3), 'h', Math.floor((ms % 3600e3) / 60e3), 'min');
  else s = two(Math.floor(ms / 86400e3), 'd', Math.floor((ms % 86400e3) / 3600e3), 'h');
  return neg ? `-${s}` : s;
}

function two(a, ua, b, ub) {
  return b ? `${a} ${ua} ${b} ${ub}` : `${a} ${ua}`;
}

// A timestamp (ms since the epoch) as local time, with the age beside it
// in the tooltip; 0 or missing is "–".
export function time(ms) {
  if (!ms) return h('span', { class: 'muted' }, '–');
  const d = new Date(ms);
  const pad = (x) => String(x).padStart(2, '0');
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const text = (sameDay ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `) +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const age = Date.now() - ms;
  return h('time', { datetime: d.toISOString(), title: `${d.toISOString()} (${age >= 0 ? dur(age) + ' ago' : 'in ' + dur(-age)})` }, text);
}

export function bytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(n < 10 && i ? 1 : 0)} ${units[i]}`;
}

export function pct(n) {
  if (n === undefined || n === null) return '–';
  return `${n.toFixed(n < 10 ? 1 : 0)} %`;
}

// An ETA from the API ({start, finish} in ms since the epoch, optionally
// start_min/start_max, or {unknown: true, reason}) as a short text; an
// honest "unknown" when the server could not estimate.
export function eta(e) {
  if (!e) return h('span', { class: 'muted' }, '–');
  if (e.unknown || e.known === false) return h('span', { class: 'muted', title: e.reason || '' }, 'unknown');
  const rel = (t) => (t === undefined || t === null ? null : t > 1e12 ? t - Date.now() : t);
  const lo = rel(e.start_min ?? e.start);
  const hi = rel(e.start_max);
  const fin = rel(e.finish);
  if (lo === null) return h('span', { class: 'muted' }, 'unknown');
  const text = lo <= 0 && (hi === null || hi <= 0) ? 'now' :
    hi !== null && Math.abs(hi - lo) > 1000 ? `in ${dur(Math.max(lo, 0))}–${dur(hi)}` : `in ~${dur(Math.max(lo, 0))}`;
  return h('span', { class: 'eta', title: fin !== null ? `finishes in ~${dur(Math.max(fin, 0))}` : '' }, text);
}

export function stateBadge(state) {
  return h('span', { class: `badge st-${state}` }, state);
}

export function shortId(id) {
  return String(id);
}

// Debounces fn: it runs once, ms after the last call.
export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// Runs fn at most once per ms (leading and trailing), for live refreshes.
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  return () => {
    const now = Date.now();
    const wait = last + ms - now;
    if (wait <= 0) {
      last = now;
      fn();
    } else if (!timer) {
      timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, wait);
    }
  };
}
