// Workers and pools: per node, every pool and its workers (pid, state,
// job, CPU %, RSS, restarts), node CPU and memory over 10 minutes and 24
// hours, the processes doing work now; scale, reload, pause/resume pools;
// drain and undrain nodes.

import { h, num, pct, bytes, replace, throttle } from '../dom.js';
import { get, post, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { section, resourceCharts, nodesTable, shortNode } from './common.js';
import { dialog } from './actions.js';

export function render(main) {
  const poolsBox = h('div');
  const procBox = h('div');
  const nodesBox = h('div');
  const msg = h('div', { class: 'progress-box' });
  const since = h('select', { name: 'since' }, h('option', { value: '10m' }, 'last 10 minutes'), h('option', { value: '24h' }, 'last 24 hours'));
  const chartsBox = h('div');
  let charts = resourceCharts('10m');
  chartsBox.append(charts.el);
  since.addEventListener('change', () => { charts.destroy(); charts = resourceCharts(since.value); replace(chartsBox, charts.el); });

  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Workers and pools')), msg,
    section('Nodes', nodesBox),
    section('Pools', poolsBox),
    section('Resources', h('label', { class: 'field inline' }, h('span', null, 'period'), since), chartsBox),
    section('Processes doing work now', procBox));

  async function post2(path, body, what) {
    try {
      await post(path, body);
      replace(msg, h('div', { class: 'result' }, `${what}: done`));
      load();
    } catch (e) { showError(e); }
  }

  async function load() {
    try {
      const w = await get('api/workers');
      const pools = w.pools || [];
      replace(poolsBox, pools.length === 0 ? h('p', { class: 'muted' }, 'No pools.') : pools.map((p) => h('div', { class: 'pool', dataset: { pool: p.name } },
        h('h3', null, p.name, ' ',
          h('span', { class: 'muted small' }, [
            p.kind ? `${p.kind}` : null, p.master_state ? `master ${p.master_state}` : null,
            p.target !== undefined ? `target ${p.target}` : null, p.min !== undefined ? `min ${p.min}` : null, p.max !== undefined ? `max ${p.max}` : null,
            p.waiting !== undefined ? `${p.waiting} waiting` : null, p.paused ? 'paused' : null,
            p.queues ? `queues ${[].concat(p.queues).map((q) => (typeof q === 'string' ? q : `${q.queue}:${q.weight}`)).join(', ')}` : null,
          ].filter(Boolean).join(' · ')),
          canAct() ? h('span', { class: 'row-actions' },
            h('button', { type: 'button', class: 'small', dataset: { action: 'scale' }, onclick: async () => {
              const v = await dialog(`Scale ${p.name}`, 'Workers kept between min and max with the backlog.', [['min', 'min', 'number'], ['max', 'max', 'number']], 'Scale');
              if (v) post2(`api/pools/${encodeURIComponent(p.name)}/scale`, { min: Number(v.min), max: Number(v.max) }, `scale ${p.name}`);
            } }, 'Scale…'),
            h('button', { type: 'button', class: 'small', dataset: { action: 'reload' }, onclick: () => post2(`api/pools/${encodeURIComponent(p.name)}/reload`, {}, `reload ${p.name}`) }, 'Reload'),
            p.paused ? h('button', { type: 'button', class: 'small', onclick: () => post2(`api/pools/${encodeURIComponent(p.name)}/resume`, {}, `resume ${p.name}`) }, 'Resume')
              : h('button', { type: 'button', class: 'small', onclick: () => post2(`api/pools/${encodeURIComponent(p.name)}/pause`, {}, `pause ${p.name}`) }, 'Pause')) : null),
        (p.workers || []).length === 0 ? h('p', { class: 'muted' }, 'No workers running.') :
          h('table', { class: 'grid' },
            h('thead', null, h('tr', null, ['pid', 'state', 'job', 'CPU', 'RSS', 'restarts'].map((c) => h('th', null, c)))),
            h('tbody', null, p.workers.map((wk) => h('tr', null,
              h('td', { class: 'num' }, wk.pid), h('td', null, wk.state),
              h('td', null, wk.job && wk.job !== '0000000000000000' ? h('a', { href: `#/jobs/${wk.job}` }, h('code', null, wk.job)) : h('span', { class: 'muted' }, 'idle')),
              h('td', { class: 'num' }, pct(wk.cpu_percent)), h('td', { class: 'num' }, bytes((wk.rss_kb || 0) * 1024)), h('td', { class: 'num' }, num(wk.restarts)))))))));
    } catch (e) { showError(e); }
    try {
      const r = await get('api/resources', { since: '10m' });
      const procs = r.workers || [];
      replace(procBox, procs.length === 0 ? h('p', { class: 'muted' }, 'No job or worker process is running on this node.') :
        h('table', { class: 'grid' },
          h('thead', null, h('tr', null, ['pid', 'pool', 'role', 'job', 'CPU', 'RSS'].map((c) => h('th', null, c)))),
          h('tbody', null, procs.map((p) => h('tr', null, h('td', { class: 'num' }, p.pid), h('td', null, p.pool), h('td', null, p.role),
            h('td', null, p.job && p.job !== '0000000000000000' && p.job !== 0 ? h('a', { href: `#/jobs/${p.job}` }, h('code', null, p.job)) : '–'),
            h('td', { class: 'num' }, pct(p.cpu_percent)), h('td', { class: 'num' }, bytes((p.rss_kb || 0) * 1024)))))));
    } catch (e) { replace(procBox, h('p', { class: 'muted' }, `resources: ${e.message}`)); }
  }

  function showNodes(o) {
    replace(nodesBox, nodesTable(o.nodes || [], o.leader),
      canAct() ? h('div', { class: 'row-actions' }, (o.nodes || []).map((n) => h('button', {
        type: 'button', class: 'small', dataset: { action: n.draining ? 'undrain' : 'drain', node: n.id },
        onclick: () => post2(`api/nodes/${encodeURIComponent(n.id)}/${n.draining ? 'undrain' : 'drain'}`, {}, `${n.draining ? 'undrain' : 'drain'} ${shortNode(n.id)}`),
      }, `${n.draining ? 'Undrain' : 'Drain'} ${shortNode(n.id)}`))) : null);
  }

  load();
  get('api/overview').then(showNodes, showError);
  const refresh = throttle(load, 2000);
  const offs = [live.on('overview', (o) => { showNodes(o); refresh(); })];
  return { destroy() { offs.forEach((f) => f()); charts.destroy(); } };
}
