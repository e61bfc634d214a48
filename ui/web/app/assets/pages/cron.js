// Cron: every cron entry with its schedule, zone, queue, next instants, last
// run and its job, paused; pause, resume, run now and remove (the latter two
// confirmed). #/cron?name=N highlights one entry (a cron job's page links here).

import { h, replace, time, throttle } from '../dom.js';
import { get, post, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { section, isoTime } from './common.js';
import { dialog } from './actions.js';

export function render(main, params) {
  const tableBox = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const msg = h('div', { class: 'progress-box' });
  const picked = params.get('name') || '';
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Cron')), msg, section('Entries', tableBox));

  async function act(name, what) {
    try {
      const r = await post(`api/cron/${encodeURIComponent(name)}/${what}`, {});
      replace(msg, h('div', { class: 'result', dataset: { result: what } }, `${name}: ${what} done`,
        r && r.job ? [' — job ', h('a', { href: `#/jobs/${r.job}` }, h('code', null, r.job))] : null));
      load();
    } catch (e) { showError(e); }
  }

  const jobLink = (id) => (/^[0-9a-f]{16}$/.test(id || '') ? h('a', { href: `#/jobs/${id}` }, h('code', null, id)) : h('span', { class: 'muted' }, '–'));
  const what = (e) => (e.kind === 'shell' ? h('code', null, e.command || '') : h('span', null, `${e.kind} `, h('code', null, e.class)));

  async function load() {
    try {
      const r = await get('api/cron');
      const entries = r.entries || [];
      replace(tableBox, entries.length === 0
        ? h('p', { class: 'muted' }, 'No cron entries: add one with desasterctl cron add NAME \'SCHEDULE\' -- CMD, or Desaster.cron in Ruby.')
        : h('table', { class: 'grid cron' },
          h('thead', null, h('tr', null, ['entry', 'schedule', 'zone', 'queue', 'job', 'next', 'last run', 'last job', 'policies', canAct() ? '' : null]
            .filter((c) => c !== null).map((c) => h('th', null, c)))),
          h('tbody', null, entries.map((e) => {
            const last = (e.runs || []).at(-1);
            return h('tr', { class: [e.paused ? 'paused' : '', e.name === picked ? 'picked' : ''].join(' ').trim(), dataset: { cron: e.name } },
              h('td', null, h('strong', null, e.name), e.paused ? h('span', { class: 'pill small' }, 'paused') : null),
              h('td', null, h('code', null, e.schedule)),
              h('td', null, e.zone),
              h('td', null, h('a', { href: `#/jobs?queue=${encodeURIComponent(e.queue)}` }, e.queue)),
              h('td', null, what(e)),
              h('td', { class: 'next' }, e.paused ? h('span', { class: 'muted' }, 'paused')
                : (e.next || []).slice(0, 3).map((t) => h('div', { title: isoTime(t) }, time(t)))),
              h('td', null, last ? h('span', { title: isoTime(last.instant) }, time(last.instant), ' ', h('span', { class: 'muted small' }, last.kind)) : h('span', { class: 'muted' }, 'never')),
              h('td', { class: 'last-job' }, last ? jobLink(last.job) : h('span', { class: 'muted' }, '–'),
                ' ', h('a', { class: 'small', href: `#/jobs?search=${encodeURIComponent('cron:' + e.name + '@')}` }, 'all')),
              h('td', { class: 'small' }, `missed ${e.missed}, overlap ${e.overlap}`),
              canAct() ? h('td', null, h('span', { class: 'row-actions' },
                e.paused ? h('button', { type: 'button', dataset: { action: 'resume' }, onclick: () => act(e.name, 'resume') }, 'Resume')
                  : h('button', { type: 'button', dataset: { action: 'pause' }, onclick: () => act(e.name, 'pause') }, 'Pause'),
                h('button', { type: 'button', dataset: { action: 'run' }, onclick: async () => {
                  if (await dialog(`Run ${e.name} now?`, `One job is enqueued to ${e.queue} now, whatever the schedule.`, [], 'Run now')) act(e.name, 'run');
                } }, 'Run now'),
                h('button', { type: 'button', class: 'danger', dataset: { action: 'remove' }, onclick: async () => {
                  if (await dialog(`Remove ${e.name}?`, 'The entry stops firing and is removed; jobs it made stay.', [], 'Remove', true)) act(e.name, 'remove');
                } }, 'Remove'))) : null);
          }))));
    } catch (e) { showError(e); }
  }

  load();
  const refresh = throttle(load, 1000);
  const off = live.on('op', () => refresh());
  // The next instants move on with the clock, not only with ops.
  const timer = setInterval(() => { if (!live.isPaused()) refresh(); }, 5000);
  return { destroy() { off(); clearInterval(timer); } };
}
