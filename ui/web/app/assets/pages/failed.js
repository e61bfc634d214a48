// Failed set: failed and dead jobs, grouped by origin queue, class or
// error signature with counts (retry or delete a whole group), and the
// list of the jobs themselves below (filterable like the Jobs page).

import { h, num, replace, throttle } from '../dom.js';
import { get, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { jobList } from './joblist.js';
import { ACTIONS, runAction } from './actions.js';
import { section } from './common.js';

const FAILED = 'failed,dead';

// The /api/jobs filter that selects exactly one group (an error group by
// its signature, the `by=error` key).
export function groupFilter(by, key) {
  if (by === 'queue') return { state: FAILED, queue: key };
  if (by === 'class') return { state: FAILED, class: key };
  return { state: FAILED, error_signature: key };
}

export function render(main, params) {
  const by = ['queue', 'class', 'error'].includes(params.get('by')) ? params.get('by') : 'queue';
  const listParams = new URLSearchParams(params);
  if (!listParams.get('state')) listParams.set('state', FAILED);
  const groupsBox = h('div', { class: 'groups' });
  const progressBox = h('div', { class: 'progress-box' });
  const list = jobList({ route: `/failed`, params: listParams, fixed: { state: FAILED, states: ['failed', 'dead'] }, title: 'Failed and dead jobs' });

  const tabs = h('div', { class: 'tabs', role: 'tablist' }, ['queue', 'class', 'error'].map((b) => h('a', {
    href: `#/failed?by=${b}`, class: b === by ? 'active' : '', role: 'tab', 'aria-selected': String(b === by),
  }, `by ${b === 'error' ? 'error signature' : b}`)));

  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Failed')),
    section('Groups', tabs, progressBox, groupsBox), list.el);

  async function loadGroups() {
    try {
      const r = await get('api/failed/groups', { by, state: FAILED });
      const groups = r.groups || r || [];
      replace(groupsBox, groups.length === 0 ? h('p', { class: 'muted' }, 'The failed set is empty.') :
        h('table', { class: 'grid groups-table' },
          h('thead', null, h('tr', null, h('th', null, by === 'error' ? 'error signature' : by), h('th', { class: 'num' }, 'jobs'), h('th', null, 'example'), canAct() ? h('th', null, '') : null)),
          h('tbody', null, groups.map((g) => h('tr', { dataset: { group: g.key } },
            h('td', { class: 'group-key' }, h('a', { href: groupHref(by, g.key), title: 'list the jobs of this group' }, g.key || '(none)')),
            h('td', { class: 'num group-count' }, num(g.count)),
            h('td', null, g.example_id ? h('a', { href: `#/jobs/${g.example_id}` }, h('code', null, g.example_id)) : '–'),
            canAct() ? h('td', { class: 'group-actions' }, ['retry', 'delete'].map((name) => {
              const a = ACTIONS.find((x) => x.name === name);
              return h('button', {
                type: 'button', class: a.danger ? 'danger' : '', dataset: { action: name },
                onclick: async () => {
                  const filter = groupFilter(by, g.key);
                  const group = `${by === 'error' ? 'error' : by} “${g.key}”`;
                  const r2 = await runAction(a, { filter, count: g.count, progressBox, group });
                  if (r2) { loadGroups(); list.reload(); }
                },
              }, `${a.label} all ${num(g.count)}`);
            })) : null)))));
    } catch (e) {
      showError(e);
    }
  }
  loadGroups();
  const refresh = throttle(loadGroups, 1000);
  const off = live.on('op', () => refresh());
  return { destroy() { off(); list.destroy(); } };
}

function groupHref(by, key) {
  const p = new URLSearchParams({ state: FAILED });
  if (by === 'queue') p.set('queue', key);
  else if (by === 'class') p.set('class', key);
  else p.set('error_signature', key);
  return `#/jobs?${p}`;
}
