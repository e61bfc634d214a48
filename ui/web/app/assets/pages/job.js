// Job: everything about one job (payload, command, output tail, error and
// backtrace, every attempt with worker, node, duration, CPU and RSS, ETA)
// and the actions on it. Refreshed live when an op names this job.

import { h, num, dur, bytes, replace, time, eta, stateBadge, throttle } from '../dom.js';
import { get, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { ACTIONS, runAction } from './actions.js';
import { section, shortNode, isoTime } from './common.js';

export function render(main, params, [id]) {
  const head = h('div', { class: 'page-head' }, h('h1', null, 'Job ', h('code', null, id)));
  const body = h('div', { class: 'job-detail' }, h('p', { class: 'muted' }, 'Loading…'));
  const progressBox = h('div', { class: 'progress-box' });
  main.append(head, progressBox, body);
  let job = null;

  async function load() {
    try {
      job = await get(`api/jobs/${encodeURIComponent(id)}`);
      draw();
    } catch (e) {
      showError(e);
      if (!job) replace(body, h('p', { class: 'error-text' }, e.message), h('p', null, h('a', { href: '#/jobs' }, 'All jobs')));
    }
  }

  function draw() {
    const j = job;
    const command = commandOf(j);
    const facts = [
      ['state', stateBadge(j.state)],
      ['queue', h('a', { href: `#/jobs?queue=${encodeURIComponent(j.queue)}` }, j.queue)],
      ['class', j.class], ['kind', j.kind], ['priority', num(j.priority)], ['attempts', num(j.attempts)],
      ['flow', j.flow || '–'], ['node', h('span', { title: j.node || '' }, shortNode(j.node))], ['worker', j.worker || '–'],
      ['created', time(j.created_at)], ['run at', time(j.run_at)], ['started', time(j.started_at)], ['finished', time(j.finished_at)],
      ['ETA', j.state === 'queued' || j.state === 'scheduled' ? (j.eta ? eta(j.eta) : eta({ unknown: true, reason: 'no estimate yet' })) : '–'],
      ['timeout', j.timeout_ms ? dur(j.timeout_ms) : '–'], ['exit status', j.exit_status ?? '–'],
      ['cron', j.cron ? h('a', { href: `#/cron?name=${encodeURIComponent(j.cron.name)}` }, `${j.cron.name} ${j.cron.manual ? 'run by hand at' : 'at'} ${isoTime(j.cron.instant)}`) : '–'],
      ['unique key', j.unique_key || '–'], ['pinned', j.pin_node || j.pin_pool ? `${shortNode(j.pin_node) || ''}${j.pin_pool ? ' pool ' + j.pin_pool : ''}` : '–'],
      ['lease expires', time(j.lease_expires_at)],
    ];
    const { error, backtrace } = splitError(j.last_error || j.error || '');
    replace(head, h('h1', null, 'Job ', h('code', null, j.id), ' ', stateBadge(j.state)),
      canAct() ? h('div', { class: 'action-buttons' }, ACTIONS.map((a) => h('button', {
        type: 'button', class: a.danger ? 'danger' : '', dataset: { action: a.name },
        onclick: async () => { const r = await runAction(a, { ids: [j.id], progressBox }); if (r) load(); },
      }, a.label))) : null);
    replace(body,
      h('div', { class: 'cols' },
        section('Facts', h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', { dataset: { fact: k } }, v)]))),
        section('Command and payload',
          command ? h('pre', { class: 'code command' }, command) : null,
          h('pre', { class: 'code payload' }, JSON.stringify(j.payload, null, 2) ?? '–'))),
      error ? section('Error', h('pre', { class: 'code error-text' }, error), backtrace ? h('details', null, h('summary', null, 'Backtrace'), h('pre', { class: 'code' }, backtrace)) : null) : null,
      section('Output (tail)', j.output_tail ? h('pre', { class: 'code output' }, j.output_tail) : h('p', { class: 'muted' }, 'No output.')),
      section('Attempts', attemptsTable(j.attempts_history || [])));
  }

  load();
  const refresh = throttle(load, 300);
  const off = live.on('op', (op) => {
    if (!op || op.held || op.kind === 'skipped' || !op.jobs || op.jobs.includes(id) || (op.jobs_total || 0) > (op.jobs || []).length) refresh();
  });
  return { destroy() { off(); } };
}

function commandOf(j) {
  const p = j.payload;
  if (!p || typeof p !== 'object') return null;
  if (Array.isArray(p.argv)) return p.argv.join(' ');
  if (typeof p.command === 'string') return p.command;
  if (typeof p.cmd === 'string') return p.cmd;
  if (typeof p.sh === 'string') return p.sh;
  return null;
}

// A Ruby error is "Class: message\n  from a.rb:1\n..."; the first line is the
// error, the rest its backtrace.
function splitError(text) {
  const i = text.indexOf('\n');
  if (i < 0) return { error: text, backtrace: '' };
  return { error: text.slice(0, i), backtrace: text.slice(i + 1) };
}

function attemptsTable(attempts) {
  if (!attempts.length) return h('p', { class: 'muted' }, 'Not run yet.');
  return h('table', { class: 'grid' },
    h('thead', null, h('tr', null, ['#', 'started', 'finished', 'duration', 'node', 'worker', 'exit', 'CPU', 'max RSS', 'error'].map((c) => h('th', null, c)))),
    h('tbody', null, attempts.map((a) => h('tr', null,
      h('td', { class: 'num' }, num(a.number)), h('td', null, time(a.started_at)), h('td', null, time(a.finished_at)),
      h('td', { class: 'num' }, a.duration_ms === null || a.duration_ms === undefined ? '–' : dur(a.duration_ms)),
      h('td', { title: a.node || '' }, shortNode(a.node)), h('td', null, a.worker || '–'), h('td', { class: 'num' }, a.exit_status ?? '–'),
      h('td', { class: 'num' }, a.cpu_ms === null || a.cpu_ms === undefined ? '–' : dur(a.cpu_ms)),
      h('td', { class: 'num' }, a.max_rss_kb ? bytes(a.max_rss_kb * 1024) : '–'),
      h('td', { class: 'err-cell', title: a.error || '' }, a.error || '')))));
}
