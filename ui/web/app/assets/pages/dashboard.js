// Dashboard: jobs processed and failed per second (10 min at 1 s, 24 h at
// 1 min), totals, queue depth and oldest age per queue, running jobs,
// nodes with role and lag, and the node's CPU and memory. Live from the
// SSE `overview` event (at most 4 per second); nothing polls but the
// resource charts, which desaster-web answers from its cache.

import { h, num, replace, time, throttle, stateBadge } from '../dom.js';
import { get, showError } from '../api.js';
import { TimeChart } from '../chart.js';
import * as live from '../live.js';
import { nodesTable, resourceCharts, section, ageText, STATES, shortNode } from './common.js';

export function render(main) {
  const tiles = h('div', { class: 'tiles' });
  const rate10 = new TimeChart({ title: 'Jobs per second, last 10 minutes', format: (v) => v.toFixed(v < 10 ? 1 : 0), spanMs: 600e3 });
  const rate24 = new TimeChart({ title: 'Jobs per second, last 24 hours (1 min means)', format: (v) => v.toFixed(v < 10 ? 2 : 0), spanMs: 86400e3 });
  const queuesBox = h('div');
  const nodesBox = h('div');
  const runningBox = h('div');
  const res = resourceCharts('10m', { processes: true });
  const status = h('p', { class: 'muted small' });

  main.append(
    h('div', { class: 'page-head' }, h('h1', null, 'Dashboard'), status),
    tiles,
    h('div', { class: 'charts two' }, rate10.el, rate24.el),
    h('div', { class: 'cols' },
      section('Queues', queuesBox),
      section('Nodes', nodesBox)),
    section('Running jobs', runningBox),
    section('Worker CPU and memory', res.el));

  function show(o) {
    const t = o.totals || {};
    const r = o.rates || {};
    replace(tiles,
      tile('processed / s', (r.processed_per_s ?? 0).toFixed(1), 'ok'),
      tile('failed / s', (r.failed_per_s ?? 0).toFixed(1), (r.failed_per_s ?? 0) > 0 ? 'bad' : ''),
      ...STATES.map((s) => tile(s, num(t[s] ?? 0), '', `#/jobs?state=${s}`)));
    const series = (k) => [
      { label: 'processed', points: (r[k] || []).map((p) => [p[0], p[1]]), color: '#2f8f4e' },
      { label: 'failed', points: (r[k] || []).map((p) => [p[0], p[2]]), color: '#d9534f' },
    ];
    rate10.set(series('series_10m'));
    // 1 min buckets hold counts per minute; the chart shows per second.
    rate24.set(series('series_24h').map((s) => ({ ...s, points: s.points.map(([a, b]) => [a, b / 60]) })));
    replace(queuesBox, queuesTable(o.queues || []));
    replace(nodesBox, nodesTable(o.nodes || [], o.leader, { compact: true }));
    status.textContent = `connected to ${o.connected_to || '–'} (${o.connection_state || '?'}), index ${num(o.index)}, term ${num(o.term)}, ${o.mode || ''}`;
  }

  async function loadRunning() {
    try {
      const r = await get('api/jobs', { state: 'running', sort: 'started_at', limit: 10 });
      replace(runningBox, r.jobs.length === 0 ? h('p', { class: 'muted' }, 'No job is running.') :
        h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ['id', 'queue', 'class', 'node', 'started', 'attempt'].map((c) => h('th', null, c)))),
          h('tbody', null, r.jobs.map((j) => h('tr', null,
            h('td', null, h('a', { href: `#/jobs/${j.id}` }, h('code', null, j.id))),
            h('td', null, j.queue), h('td', null, j.class), h('td', null, shortNode(j.node)),
            h('td', null, time(j.started_at)), h('td', { class: 'num' }, num(j.attempts)))))),
        r.total > r.jobs.length ? h('p', null, h('a', { href: '#/jobs?state=running' }, `all ${num(r.total)} running jobs`)) : null);
    } catch (e) { showError(e); }
  }
  const refreshRunning = throttle(loadRunning, 1000);

  get('api/overview').then(show, showError);
  loadRunning();
  const offs = [live.on('overview', (o) => { show(o); refreshRunning(); })];
  return {
    destroy() { offs.forEach((f) => f()); rate10.destroy(); rate24.destroy(); res.destroy(); },
  };
}

function tile(label, value, cls, href) {
  const inner = [h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-label' }, label)];
  return href ? h('a', { class: `tile ${cls || ''}`, href }, ...inner) : h('div', { class: `tile ${cls || ''}` }, ...inner);
}

function queuesTable(queues) {
  if (!queues.length) return h('p', { class: 'muted' }, 'No queues yet.');
  return h('table', { class: 'grid' },
    h('thead', null, h('tr', null,
      h('th', null, 'queue'), h('th', { class: 'num' }, 'queued'), h('th', { class: 'num' }, 'running'),
      h('th', { class: 'num' }, 'scheduled'), h('th', { class: 'num' }, 'failed'), h('th', { class: 'num' }, 'dead'),
      h('th', { class: 'num' }, 'oldest'), h('th', null, 'discipline'))),
    h('tbody', null, queues.map((q) => h('tr', { class: q.paused ? 'paused' : '' },
      h('td', null, h('a', { href: `#/jobs?queue=${encodeURIComponent(q.name)}` }, q.name), q.paused ? h('span', { class: 'pill small' }, 'paused') : null),
      ...['queued', 'running', 'scheduled', 'failed', 'dead'].map((s) => h('td', { class: 'num' }, num(q.counts?.[s] ?? 0))),
      h('td', { class: 'num' }, ageText(q.oldest_age_ms)),
      h('td', null, q.discipline || '–')))));
}

export { stateBadge };
