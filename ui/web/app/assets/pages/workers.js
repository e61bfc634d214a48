// Workers and pools: the Ruby pools (min/max, master, every worker's pid,
// state, job, RSS, restarts), which queues each pool serves (attach and
// detach with weights), node CPU and memory over 10 minutes or 24 hours,
// the processes doing work now; scale, reload, pause/resume pools; drain
// and undrain nodes.

import { h, num, pct, bytes, replace, throttle } from '../dom.js';
import { get, post, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { section, resourceCharts, nodesTable, shortNode } from './common.js';
import { dialog } from './actions.js';

// A job id the page can link: the API sends ids as 16 hex digits.
export function jobLink(id) {
  if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id) || /^0+$/.test(id)) return h('span', { class: 'muted' }, id ? 'busy' : 'idle');
  return h('a', { href: `#/jobs/${id}` }, h('code', null, id));
}

export function render(main) {
  const poolsBox = h('div');
  const assignBox = h('div');
  const procBox = h('div');
  const nodesBox = h('div');
  const msg = h('div', { class: 'progress-box' });
  const since = h('select', { name: 'since' }, h('option', { value: '10m' }, 'last 10 minutes'), h('option', { value: '24h' }, 'last 24 hours'));
  // Which node's resources: the connected one unless another is chosen.
  const nodeSel = h('select', { name: 'node' }, h('option', { value: '' }, 'the connected node'));
  const chartsBox = h('div');
  let charts = resourceCharts('10m', { processes: true });
  chartsBox.append(charts.el);
  const redraw = () => { charts.destroy(); charts = resourceCharts(since.value, { processes: true, node: nodeSel.value }); replace(chartsBox, charts.el); };
  since.addEventListener('change', redraw);
  nodeSel.addEventListener('change', redraw);

  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Workers and pools')), msg,
    section('Nodes', nodesBox),
    section('Which pools serve which queues', assignBox),
    section('Ruby pools', poolsBox),
    section('Resources (CPU and memory of a node, its busiest processes)',
      h('div', { class: 'filter-row' }, h('label', { class: 'field inline' }, h('span', null, 'node'), nodeSel),
        h('label', { class: 'field inline' }, h('span', null, 'period'), since)), chartsBox));

  async function send(path, body, what) {
    try {
      await post(path, body);
      replace(msg, h('div', { class: 'result' }, `${what}: done`));
      load();
    } catch (e) { showError(e); }
  }
  const poolPath = (name, verb) => `api/pools/${encodeURIComponent(name)}/${verb}`;

  function drawAssignments(a) {
    const rows = (a && a.pools) || [];
    const attachBtn = canAct() ? h('button', { type: 'button', class: 'small', dataset: { action: 'attach' }, onclick: async () => {
      const v = await dialog('Attach a queue to a pool', 'The pool serves the queue with this weight (its share when several queues wait).',
        [['pool', 'pool (shell or a Ruby pool)'], ['queue', 'queue (* for every queue)'], ['weight', 'weight (1-1000)', 'number'], ['node', 'node id (optional: all nodes)']], 'Attach');
      if (!v) return;
      const body = { queue: v.queue.trim(), weight: Number(v.weight || 1) };
      if (v.node.trim()) body.node = v.node.trim();
      send(poolPath(v.pool.trim() || 'shell', 'attach'), body, `attach ${body.queue} to ${v.pool}`);
    } }, 'Attach a queue…') : null;
    replace(assignBox, rows.length === 0 ? h('p', { class: 'muted' }, 'No assignments: every pool serves every queue.') :
      h('table', { class: 'grid' },
        h('thead', null, h('tr', null, ['pool', 'node', 'queues (weight)', 'state', ''].map((c) => h('th', null, c)))),
        h('tbody', null, rows.map((p) => h('tr', { dataset: { pool: p.pool } },
          h('td', null, h('b', null, p.pool)),
          h('td', { title: p.node || '' }, p.node ? shortNode(p.node) : 'all nodes'),
          h('td', null, (p.queues || []).map((q) => h('span', { class: 'chip' }, `${q.name === '*' ? 'every queue' : q.name} ×${q.weight}`,
            canAct() && !p.default ? h('button', { type: 'button', class: 'chip-x', title: `detach ${q.name}`, onclick: () => send(poolPath(p.pool, 'detach'), p.node ? { queue: q.name, node: p.node } : { queue: q.name }, `detach ${q.name} from ${p.pool}`) }, '×') : null))),
          h('td', null, p.paused ? h('span', { class: 'badge st-scheduled' }, 'paused') : h('span', { class: 'badge st-succeeded' }, 'serving'), p.default ? h('span', { class: 'muted small' }, ' (default)') : null),
          h('td', null, canAct() ? h('span', { class: 'row-actions' },
            p.paused ? h('button', { type: 'button', class: 'small', onclick: () => send(poolPath(p.pool, 'resume'), p.node ? { node: p.node } : {}, `resume ${p.pool}`) }, 'Resume')
              : h('button', { type: 'button', class: 'small', onclick: () => send(poolPath(p.pool, 'pause'), p.node ? { node: p.node } : {}, `pause ${p.pool}`) }, 'Pause')) : null))))),
      attachBtn ? h('div', { class: 'buttons left' }, attachBtn) : null,
      (a && a.draining && a.draining.length) ? h('p', { class: 'muted' }, `Draining: ${a.draining.map(shortNode).join(', ')}`) : null);
  }

  function drawPools(list) {
    replace(poolsBox, list.length === 0 ? h('p', { class: 'muted' }, 'No Ruby pool is declared (desasterctl pool add). Shell jobs run in the nodes\' shell pools.') : list.map((p) => {
      const spec = p.spec || p;
      const name = spec.name;
      return h('div', { class: 'pool', dataset: { pool: name } },
        h('h3', null, name, ' ',
          h('span', { class: 'muted small' }, [
            `min ${spec.min ?? '–'}, max ${spec.max ?? '–'}`,
            p.master_state ? `master ${p.master_state}` : (p.local === false ? 'not on this node' : null),
            p.target !== undefined ? `target ${p.target}` : null, p.waiting !== undefined ? `${p.waiting} waiting` : null,
            spec.memory_limit_mb ? `memory limit ${spec.memory_limit_mb} MiB` : null,
            spec.cpu_limit_percent ? `CPU limit ${spec.cpu_limit_percent} %` : null,
            p.jobs_done !== undefined ? `${num(p.jobs_done)} jobs done` : null,
            p.last_error ? `last error: ${p.last_error}` : null,
          ].filter(Boolean).join(' · ')),
          canAct() ? h('span', { class: 'row-actions' },
            h('button', { type: 'button', class: 'small', dataset: { action: 'scale' }, onclick: async () => {
              const v = await dialog(`Scale ${name}`, `Workers kept between min and max with the backlog (now ${spec.min}..${spec.max}).`, [['min', 'min', 'number'], ['max', 'max', 'number']], 'Scale');
              if (v) send(poolPath(name, 'scale'), { min: Number(v.min), max: Number(v.max) }, `scale ${name}`);
            } }, 'Scale…'),
            h('button', { type: 'button', class: 'small', dataset: { action: 'reload' }, onclick: () => send(poolPath(name, 'reload'), {}, `reload ${name}`) }, 'Reload')) : null),
        (p.workers || []).length === 0 ? h('p', { class: 'muted' }, 'No workers running here.') :
          h('table', { class: 'grid' },
            h('thead', null, h('tr', null, ['slot', 'pid', 'state', 'job', 'RSS', 'restarts', ''].map((c) => h('th', null, c)))),
            h('tbody', null, p.workers.map((wk) => h('tr', null,
              h('td', { class: 'num' }, wk.slot ?? '–'), h('td', { class: 'num' }, wk.pid), h('td', null, wk.state),
              h('td', null, jobLink(wk.job)),
              h('td', { class: 'num' }, bytes((wk.rss_kb || 0) * 1024)), h('td', { class: 'num' }, num(wk.restarts)),
              h('td', null, wk.outdated ? h('span', { class: 'muted small' }, 'outdated (reloading)') : null))))));
    }));
  }

  async function load() {
    try {
      const w = await get('api/workers');
      const pools = Array.isArray(w.pools) ? w.pools : (w.pools && w.pools.pools) || [];
      drawPools(pools);
      drawAssignments(w.assignments);
    } catch (e) { showError(e); }
  }

  function showNodes(o) {
    const known = new Set([...nodeSel.options].map((op) => op.value));
    for (const n of o.nodes || []) {
      if (!known.has(n.id) && !n.self) nodeSel.append(h('option', { value: n.id }, `${shortNode(n.id)} (${n.role || '?'})`));
    }
    replace(nodesBox, nodesTable(o.nodes || [], o.leader),
      canAct() ? h('div', { class: 'row-actions' }, (o.nodes || []).map((n) => h('button', {
        type: 'button', class: 'small', dataset: { action: n.draining ? 'undrain' : 'drain', node: n.id },
        title: n.draining ? 'let the node take new jobs again' : 'no new jobs start on the node; running ones finish',
        onclick: () => send(`api/nodes/${encodeURIComponent(n.id)}/${n.draining ? 'undrain' : 'drain'}`, {}, `${n.draining ? 'undrain' : 'drain'} ${shortNode(n.id)}`),
      }, `${n.draining ? 'Undrain' : 'Drain'} ${shortNode(n.id)}`))) : null);
  }

  load();
  get('api/overview').then(showNodes, showError);
  const refresh = throttle(load, 2000);
  const offs = [live.on('overview', (o) => { showNodes(o); refresh(); })];
  return { destroy() { offs.forEach((f) => f()); charts.destroy(); } };
}
