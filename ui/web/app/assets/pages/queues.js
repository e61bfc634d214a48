// Queues: every queue with its counts per state, discipline, paused flag
// and de-duplication window; create, pause, resume, clear, delete; set the
// discipline from a form; the de-duplication blacklist.

import { h, num, dur, replace, time, throttle } from '../dom.js';
import { get, post, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { STATES, section } from './common.js';
import { dialog, parseDuration } from './actions.js';

export function render(main) {
  const tableBox = h('div');
  const blBox = h('div');
  const msg = h('div', { class: 'progress-box' });
  const createForm = canAct() ? createQueueForm(async () => { load(); loadBlacklist(); }) : null;
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Queues')), msg,
    ...[section('Queues', tableBox), createForm ? section('Create a queue', createForm) : null,
      section('De-duplication blacklist', blBox)].filter(Boolean));

  async function act(name, what, body) {
    try {
      await post(`api/queues/${encodeURIComponent(name)}/${what}`, body);
      replace(msg, h('div', { class: 'result' }, `${name}: ${what} done`));
      load();
      loadBlacklist();
    } catch (e) { showError(e); }
  }

  async function load() {
    try {
      const qs = await get('api/queues');
      replace(tableBox, qs.length === 0 ? h('p', { class: 'muted' }, 'No queues yet: a queue exists once a job is enqueued to it or it is created.') :
        h('table', { class: 'grid queues' },
          h('thead', null, h('tr', null, h('th', null, 'queue'), STATES.map((s) => h('th', { class: 'num' }, s)),
            h('th', null, 'discipline'), h('th', null, 'dedup window'), h('th', { class: 'num' }, 'max attempts'), canAct() ? h('th', null, '') : null)),
          h('tbody', null, qs.map((q) => h('tr', { class: q.paused ? 'paused' : '', dataset: { queue: q.name } },
            h('td', null, h('a', { href: `#/jobs?queue=${encodeURIComponent(q.name)}` }, q.name), q.paused ? h('span', { class: 'pill small' }, 'paused') : null),
            STATES.map((s) => h('td', { class: 'num' }, (q.counts?.[s] ?? 0) ? h('a', { href: `#/jobs?queue=${encodeURIComponent(q.name)}&state=${s}` }, num(q.counts[s])) : h('span', { class: 'muted' }, '0'))),
            h('td', null, h('code', null, q.discipline || 'priority')),
            h('td', null, q.dedup_window_ms ? dur(q.dedup_window_ms) : h('span', { class: 'muted' }, 'off')),
            h('td', { class: 'num' }, q.max_attempts ? num(q.max_attempts) : h('span', { class: 'muted' }, 'default')),
            canAct() ? h('td', null, h('span', { class: 'row-actions' },
              q.paused ? h('button', { type: 'button', dataset: { action: 'resume' }, onclick: () => act(q.name, 'resume') }, 'Resume')
                : h('button', { type: 'button', dataset: { action: 'pause' }, onclick: () => act(q.name, 'pause') }, 'Pause'),
              h('button', { type: 'button', dataset: { action: 'qdisc' }, onclick: () => disciplineForm(q, act) }, 'Discipline…'),
              h('button', { type: 'button', dataset: { action: 'dedup' }, onclick: async () => {
                const v = await dialog(`De-duplication window of ${q.name}`, 'Jobs whose identity was seen within the window are refused. 0 turns it off.', [['window', 'window (e.g. 10m, 1h, 0)']], 'Set');
                if (!v) return;
                const ms = v.window.trim() === '0' ? 0 : parseDuration(v.window);
                if (ms === null) { showError(new Error(`window: '${v.window}' is not a duration`)); return; }
                act(q.name, 'dedup', { window_ms: ms });
              } }, 'Dedup…'),
              h('button', { type: 'button', class: 'danger', dataset: { action: 'clear' }, onclick: async () => {
                const total = Object.values(q.counts || {}).reduce((a, b) => a + b, 0);
                if (await dialog(`Clear ${q.name}?`, `This deletes the queued and scheduled jobs of ${q.name} (${num((q.counts?.queued || 0) + (q.counts?.scheduled || 0))} of its ${num(total)} jobs).`, [], 'Clear', true)) act(q.name, 'clear');
              } }, 'Clear'),
              h('button', { type: 'button', class: 'danger', dataset: { action: 'delete' }, onclick: async () => {
                if (await dialog(`Delete queue ${q.name}?`, 'The queue and its settings are removed.', [], 'Delete', true)) act(q.name, 'delete');
              } }, 'Delete'))) : null)))));
    } catch (e) { showError(e); }
  }

  async function loadBlacklist() {
    try {
      const r = await get('api/blacklist');
      const queues = r.queues || [];
      replace(blBox, queues.length === 0 ? h('p', { class: 'muted' }, 'No queue has a de-duplication window (set one with Dedup…).') :
        queues.map((bq) => h('div', { class: 'blacklist' },
          h('h3', null, bq.queue, ' ', h('span', { class: 'muted small' }, `window ${dur(bq.window_ms)}, ${num(bq.rejections)} rejected, ${num((bq.entries || []).length)} identities`),
            canAct() ? h('button', { type: 'button', class: 'danger small', onclick: () => clearBl(bq.queue) }, 'Clear all') : null),
          (bq.entries || []).length ? h('table', { class: 'grid' },
            h('thead', null, h('tr', null, ['identity', 'job', 'seen', 'expires', 'processed', ''].map((c) => h('th', null, c)))),
            h('tbody', null, bq.entries.slice(0, 100).map((e) => h('tr', null,
              h('td', null, h('code', { class: 'ident' }, e.identity)),
              h('td', null, typeof e.job === 'string' && /^[0-9a-f]{16}$/.test(e.job) ? h('a', { href: `#/jobs/${e.job}` }, h('code', null, e.job)) : '–'),
              h('td', null, time(e.seen_at)), h('td', null, time(e.expires_at)), h('td', null, e.processed ? 'yes' : 'no'),
              h('td', null, canAct() ? h('button', { type: 'button', class: 'small', onclick: () => clearBl(bq.queue, e.identity) }, 'Forget') : null))))) : null)));
    } catch (e) {
      replace(blBox, h('p', { class: 'muted' }, `Blacklist: ${e.message}`));
    }
  }

  async function clearBl(queue, identity) {
    try {
      await post('api/blacklist/clear', identity ? { queue, identity } : { queue });
      loadBlacklist();
    } catch (e) { showError(e); }
  }

  load();
  loadBlacklist();
  const refresh = throttle(load, 1000);
  const off = live.on('op', () => refresh());
  return { destroy() { off(); } };
}

function createQueueForm(done) {
  const name = h('input', { name: 'name', required: true, placeholder: 'name', pattern: '[^\\s]+' });
  const attempts = h('input', { name: 'max_attempts', type: 'number', min: 1, placeholder: 'default' });
  const backoff = h('input', { name: 'backoff', placeholder: 'e.g. 30s' });
  const backoffMax = h('input', { name: 'backoff_max', placeholder: 'e.g. 2h' });
  return h('form', { class: 'inline-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const body = { name: name.value.trim() };
    if (attempts.value) body.max_attempts = Number(attempts.value);
    for (const [input, key] of [[backoff, 'backoff_base_ms'], [backoffMax, 'backoff_max_ms']]) {
      if (!input.value.trim()) continue;
      const ms = parseDuration(input.value);
      if (ms === null) { showError(new Error(`${input.name}: '${input.value}' is not a duration`)); return; }
      body[key] = ms;
    }
    try {
      await post('api/queues', body);
      for (const input of [name, attempts, backoff, backoffMax]) input.value = '';
      done();
    } catch (e) { showError(e); }
  } },
  h('label', { class: 'field' }, h('span', null, 'name'), name),
  h('label', { class: 'field' }, h('span', null, 'max attempts'), attempts),
  h('label', { class: 'field' }, h('span', null, 'backoff'), backoff),
  h('label', { class: 'field' }, h('span', null, 'backoff max'), backoffMax),
  h('button', { type: 'submit', class: 'primary' }, 'Create'));
}

// The discipline form: a kind and its parameters, sent as the words
// `desasterctl qdisc set Q …` takes.
function disciplineForm(q, act) {
  const kind = h('select', { name: 'kind' }, ['fifo', 'priority', 'sfq', 'htb'].map((k) => h('option', { value: k, selected: (q.discipline || '').startsWith(k) }, k)));
  const aging = h('input', { name: 'aging', placeholder: 'e.g. 30s (priority)' });
  const quantum = h('input', { name: 'quantum', placeholder: 'e.g. 1 (sfq)' });
  const classes = h('textarea', { name: 'classes', rows: 3, placeholder: 'htb classes, one a line: NAME[@PARENT]=RATE[/CEIL][,burst=N]' });
  const rules = h('textarea', { name: 'rules', rows: 2, placeholder: 'htb rules, one a line: LEAF[:queue=Q][,class=C][,flow=F]' });
  const def = h('input', { name: 'default', placeholder: 'htb default leaf' });
  const raw = h('input', { name: 'spec', placeholder: 'or the words of desasterctl qdisc set, e.g. priority --aging 30s', size: 50 });
  const err = h('p', { class: 'error-text' });
  const spec = () => {
    if (raw.value.trim()) return raw.value.trim();
    const k = kind.value;
    const w = [k];
    if (k === 'priority' && aging.value.trim()) w.push('--aging', aging.value.trim());
    if (k === 'sfq' && quantum.value.trim()) w.push('--quantum', quantum.value.trim());
    if (k === 'htb') {
      for (const l of classes.value.split('\n').map((s) => s.trim()).filter(Boolean)) w.push('--class', l);
      for (const l of rules.value.split('\n').map((s) => s.trim()).filter(Boolean)) w.push('--rule', l);
      if (def.value.trim()) w.push('--default', def.value.trim());
    }
    return w.join(' ');
  };
  const preview = h('code', { class: 'preview' });
  const form = h('form', { class: 'dialog-form' },
    h('h2', null, `Discipline of ${q.name}`), h('p', { class: 'muted' }, `now: ${q.discipline || 'priority'}; changing it loses no job.`),
    h('label', { class: 'field' }, h('span', null, 'kind'), kind),
    h('label', { class: 'field' }, h('span', null, 'aging'), aging),
    h('label', { class: 'field' }, h('span', null, 'quantum'), quantum),
    h('label', { class: 'field' }, h('span', null, 'classes'), classes),
    h('label', { class: 'field' }, h('span', null, 'rules'), rules),
    h('label', { class: 'field' }, h('span', null, 'default'), def),
    h('label', { class: 'field' }, h('span', null, 'as text'), raw),
    h('p', null, 'sends: ', preview), err,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, 'Set')));
  form.addEventListener('input', () => { preview.textContent = spec(); });
  preview.textContent = spec();
  const dlg = h('dialog', { class: 'modal' }, form);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); const s = spec(); dlg.close(); act(q.name, 'qdisc', { spec: s }); });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}
