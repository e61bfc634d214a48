// Pieces several pages share: the nodes table, the queue counts, resource
// charts from /api/resources, and a poller that respects the live toggle.

import { h, num, dur, pct, bytes, replace } from '../dom.js';
import { get, showError } from '../api.js';
import { TimeChart } from '../chart.js';
import * as live from '../live.js';

export const STATES = ['scheduled', 'queued', 'running', 'succeeded', 'failed', 'dead', 'killed'];

export function shortNode(id) {
  if (!id) return '–';
  return String(id).slice(0, 8);
}

// compact: without address and commit index (the dashboard's narrow card).
export function nodesTable(nodes, leader, { compact = false } = {}) {
  if (!nodes || !nodes.length) return h('p', { class: 'muted' }, 'No nodes known yet.');
  const cols = ['node', 'address', 'role', 'term', 'commit index', 'lag', 'load', 'running', 'free slots', 'state']
    .filter((c) => !compact || (c !== 'address' && c !== 'commit index'));
  const show = (c, cell) => (cols.includes(c) ? cell : null);
  return h('table', { class: 'grid nodes' },
    h('thead', null, h('tr', null,
      cols.map((c) => h('th', { class: /term|index|lag|load|running|free/.test(c) ? 'num' : '' }, c)))),
    h('tbody', null, nodes.map((n) => h('tr', {
      class: [n.alive === false ? 'dead-node' : '', n.role === 'leader' ? 'leader' : ''].join(' '),
      dataset: { node: n.id, role: n.role },
    },
    h('td', { title: n.id }, h('code', null, shortNode(n.id)), n.self ? h('span', { class: 'pill small' }, 'connected') : null),
    show('address', h('td', null, n.address ? `${n.address}${n.client_port ? ':' + n.client_port : ''}` : '–')),
    h('td', null, h('span', { class: `role role-${n.role}` }, n.role || '–')),
    h('td', { class: 'num' }, num(n.term)),
    show('commit index', h('td', { class: 'num' }, num(n.commit_index))),
    h('td', { class: 'num' }, n.lag === null || n.lag === undefined ? '–' : num(n.lag)),
    h('td', { class: 'num' }, n.load === undefined || n.load === null ? '–' : Number(n.load).toFixed(2)),
    h('td', { class: 'num' }, num(n.running)),
    h('td', { class: 'num' }, num(n.free_slots)),
    h('td', null, n.alive === false ? h('span', { class: 'badge st-dead' }, 'gone')
      : n.draining ? h('span', { class: 'badge st-scheduled' }, 'draining') : h('span', { class: 'badge st-succeeded' }, 'up')),
    ))));
}

// Resource charts (CPU %, memory) of the connected node from
// /api/resources; refreshed while live.
export function resourceCharts(since, { processes = false, node = '' } = {}) {
  const span = since === '24h' ? 86400e3 : 600e3;
  const cpu = new TimeChart({ title: `Node CPU (${since})`, format: (v) => `${Math.round(v)} %`, tick: (v) => `${Math.round(v)} %`, height: 150, spanMs: span });
  const mem = new TimeChart({ title: `Node memory (${since})`, format: (v) => bytes(v * 1024), tick: (v) => bytes(v * 1024), height: 150, spanMs: span });
  const info = h('p', { class: 'muted small' });
  const procs = h('div');
  const el = h('div', null, h('div', { class: 'charts two' }, cpu.el, mem.el), info, procs);
  let timer = null;
  let stopped = false;
  async function load() {
    try {
      const r = await get('api/resources', { since, node });
      const hist = r.history || r.samples || [];
      const pts = (k) => hist.map((p) => [p.at ?? p.t, p[k] ?? 0]);
      cpu.set([{ label: 'mean', points: pts('cpu') }, { label: 'max', points: pts('cpu_max') }]);
      mem.set([{ label: 'mean', points: pts('mem_kb') }, { label: 'max', points: pts('mem_max_kb') }]);
      if (processes) {
        const top = [...(r.workers || [])].sort((a, b) => (b.cpu_percent || 0) - (a.cpu_percent || 0)).slice(0, 10);
        replace(procs, top.length === 0 ? h('p', { class: 'muted small' }, 'No worker process is busy on this node.') :
          h('table', { class: 'grid' },
            h('thead', null, h('tr', null, ['pid', 'pool', 'role', 'job', 'CPU', 'RSS'].map((c) => h('th', { class: /CPU|RSS|pid/.test(c) ? 'num' : '' }, c)))),
            h('tbody', null, top.map((p) => h('tr', null, h('td', { class: 'num' }, p.pid), h('td', null, p.pool), h('td', null, p.role),
              h('td', null, typeof p.job === 'string' && /^[0-9a-f]{16}$/.test(p.job) && !/^0+$/.test(p.job) ? h('a', { href: `#/jobs/${p.job}` }, h('code', null, p.job)) : (p.job ? 'busy' : '–')),
              h('td', { class: 'num' }, pct(p.cpu_percent)), h('td', { class: 'num' }, bytes((p.rss_kb || 0) * 1024)))))));
      }
      const c = r.current;
      if (c) {
        info.textContent = `node ${shortNode(r.node)} now: CPU ${pct(c.cpu_percent)}, memory ${bytes((c.mem_used_kb || 0) * 1024)} of ${bytes((c.mem_total_kb || 0) * 1024)}, load ${Number(c.load1 || 0).toFixed(2)}`;
      }
    } catch (e) {
      info.textContent = `resources: ${e.message}`;
    }
  }
  function schedule() {
    if (stopped) return;
    timer = setTimeout(async () => { if (!live.isPaused()) await load(); schedule(); }, since === '24h' ? 60000 : 5000);
  }
  load().then(schedule);
  return { el, destroy() { stopped = true; clearTimeout(timer); cpu.destroy(); mem.destroy(); }, reload: load };
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function ageText(ms) {
  return ms === null || ms === undefined ? '–' : dur(ms);
}

export async function safe(fn) {
  try { return await fn(); } catch (e) { showError(e); return undefined; }
}

export { replace };

// An instant as UTC ISO 8601 to the second (cron instants are exact).
export function isoTime(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
