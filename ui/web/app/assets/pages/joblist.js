// The job list used by the Jobs and Failed pages: filters (kept in the
// URL hash, so a view is bookmarkable), sort by any column the server
// sorts by, cursor pagination (never more than one page of rows in the
// DOM), row selection and actions on the selection or on all N jobs
// matching the filter. Refreshed live on SSE `op` events, at most twice a
// second, keeping the page and the selection.

import { h, num, replace, time, eta, stateBadge, throttle, debounce } from '../dom.js';
import { get, showError, canAct } from '../api.js';
import * as live from '../live.js';
import { STATES, shortNode } from './common.js';
import { ACTIONS, runAction, parseTime } from './actions.js';

const TIME_FILTERS = ['created', 'started', 'finished', 'run'];
const TEXT_FILTERS = ['queue', 'class', 'node', 'flow', 'attempts'];

// Columns: [key, label, sortable, cell(job)].
const COLUMNS = [
  ['id', 'id', true, (j) => h('a', { href: `#/jobs/${j.id}` }, h('code', null, j.id))],
  ['queue', 'queue', true, (j) => j.queue],
  ['class', 'class', true, (j) => h('span', { class: 'cls', title: j.class }, j.class)],
  ['state', 'state', true, (j) => stateBadge(j.state)],
  ['priority', 'prio', true, (j) => num(j.priority)],
  ['attempts', 'attempts', true, (j) => num(j.attempts)],
  ['node', 'node', false, (j) => h('span', { title: j.node || '' }, shortNode(j.node))],
  ['created_at', 'created', true, (j) => time(j.created_at)],
  ['run_at', 'run at', true, (j) => time(j.run_at)],
  ['started_at', 'started', true, (j) => time(j.started_at)],
  ['finished_at', 'finished', true, (j) => time(j.finished_at)],
  ['eta', 'ETA', false, (j) => (j.state === 'queued' || j.state === 'scheduled' ? (j.eta ? eta(j.eta) : eta({ unknown: true, reason: 'no estimate yet' })) : '')],
  ['error', 'error', false, (j) => h('span', { class: 'err-cell', title: j.error || '' }, j.error || '')],
];

// The query parameters of /api/jobs from the hash params (times typed as
// ages or dates become ms; an unparsable one is reported, not sent).
export function apiQuery(params, fixed = {}) {
  const q = {};
  if (params.get('search')) q.search = params.get('search');
  const states = params.get('state') || fixed.state;
  if (states) q.state = states;
  for (const k of TEXT_FILTERS) if (params.get(k)) q[k] = params.get(k).trim();
  // Set by the Failed page's error groups; shown above the list, not edited.
  if (params.get('error_signature')) q.error_signature = params.get('error_signature');
  for (const t of TIME_FILTERS) {
    for (const side of ['after', 'before']) {
      const raw = params.get(`${t}_${side}`);
      if (!raw) continue;
      const ms = parseTime(raw);
      if (ms === null) throw new Error(`${t}_${side}: '${raw}' is not a time (an age such as 10m, a date, or ms since the epoch)`);
      q[`${t}_${side}`] = String(ms);
    }
  }
  return q;
}

export function jobList({ route, params, fixed = {}, title }) {
  const state = {
    params: new URLSearchParams(params),
    cursors: [], // cursors of the pages before this one (for "previous")
    page: null,
    selected: new Set(),
    allMatching: false,
    loading: false,
  };
  const limitOf = () => Math.min(1000, Math.max(1, parseInt(state.params.get('limit') || '50', 10) || 50));

  const countEl = h('span', { class: 'count', id: 'job-count' });
  const tableBox = h('div', { class: 'table-box' });
  const pager = h('div', { class: 'pager' });
  const progressBox = h('div', { class: 'progress-box' });
  const selectionBar = h('div', { class: 'selection-bar' });

  // --- filters -----------------------------------------------------------
  const search = h('input', { type: 'search', name: 'search', placeholder: 'Search id, class, payload, error, output, cron:NAME…', value: state.params.get('search') || '', class: 'search' });
  const stateBoxes = fixed.states || STATES;
  const activeStates = new Set((state.params.get('state') || '').split(',').filter(Boolean));
  const stateChecks = stateBoxes.map((s) => {
    const cb = h('input', { type: 'checkbox', name: 'state', value: s, checked: activeStates.has(s) });
    cb.addEventListener('change', () => {
      const list = stateChecks.filter((c) => c.checked).map((c) => c.value);
      setParam('state', list.join(','));
    });
    return cb;
  });
  const textInputs = TEXT_FILTERS.map((k) => h('input', {
    name: k, value: state.params.get(k) || '', placeholder: k === 'attempts' ? 'N, MIN:MAX, MIN:' : k, size: k === 'attempts' ? 8 : 12,
    list: k === 'queue' ? 'queue-names' : undefined,
  }));
  const timeInputs = [];
  for (const t of TIME_FILTERS) {
    for (const side of ['after', 'before']) {
      timeInputs.push(h('input', { name: `${t}_${side}`, value: state.params.get(`${t}_${side}`) || '', placeholder: side === 'after' ? 'e.g. 1h, 2026-12-07 10:00' : '', size: 14 }));
    }
  }
  const queueList = h('datalist', { id: 'queue-names' });
  get('api/queues').then((qs) => replace(queueList, (qs || []).map((q) => h('option', { value: q.name }))), () => {});

  const filtersOpen = TEXT_FILTERS.some((k) => state.params.get(k)) ||
    timeInputs.some((i) => i.value);
  const more = h('details', { class: 'more-filters', open: filtersOpen },
    h('summary', null, 'More filters'),
    h('div', { class: 'filter-grid' },
      textInputs.map((i) => h('label', { class: 'field' }, h('span', null, i.name), i)),
      TIME_FILTERS.map((t) => h('label', { class: 'field' }, h('span', null, `${t === 'run' ? 'run at' : t} after / before`),
        h('span', { class: 'pair' }, timeInputs.find((i) => i.name === `${t}_after`), timeInputs.find((i) => i.name === `${t}_before`))))),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('button', { type: 'button', onclick: () => { for (const i of [...textInputs, ...timeInputs]) i.value = ''; applyForm(); } }, 'Clear')));

  const form = h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); applyForm(); } },
    h('div', { class: 'filter-row' }, search,
      h('span', { class: 'states' }, stateChecks.map((cb) => h('label', { class: `state-check st-${cb.value}` }, cb, cb.value)))),
    more, queueList);

  search.addEventListener('input', debounce(() => setParam('search', search.value), 250));

  function applyForm() {
    for (const i of [...textInputs, ...timeInputs]) {
      if (i.value.trim()) state.params.set(i.name, i.value.trim());
      else state.params.delete(i.name);
    }
    state.params.set('search', search.value);
    changed();
  }

  function setParam(k, v) {
    if (v) state.params.set(k, v);
    else state.params.delete(k);
    changed();
  }

  // A new filter or sort: back to the first page, selection cleared.
  function changed() {
    state.params.delete('cursor');
    state.cursors = [];
    state.selected.clear();
    state.allMatching = false;
    writeHash();
    load();
  }

  function writeHash() {
    for (const [k, v] of [...state.params]) if (!v) state.params.delete(k);
    const qs = state.params.toString();
    history.replaceState(null, '', `#${route}${qs ? '?' + qs : ''}`);
  }

  // --- data ----------------------------------------------------------------
  let seq = 0;
  async function load() {
    const my = ++seq;
    let q;
    try {
      q = apiQuery(state.params, fixed);
    } catch (e) {
      showError(e);
      return;
    }
    q.sort = state.params.get('sort') || 'id';
    if (state.params.get('desc')) q.desc = '1';
    q.limit = String(limitOf());
    if (state.params.get('cursor')) q.cursor = state.params.get('cursor');
    state.loading = true;
    tableBox.classList.add('loading');
    try {
      const page = await get('api/jobs', q);
      if (my !== seq) return;
      state.page = page;
      draw();
    } catch (e) {
      if (my === seq) showError(e);
    } finally {
      if (my === seq) { state.loading = false; tableBox.classList.remove('loading'); }
    }
  }
  // Live refreshes wait while the user has paused them (a filter change
  // still loads at once).
  const refresh = throttle(() => { if (!live.isPaused()) load(); }, 500);

  // --- drawing -------------------------------------------------------------
  function draw() {
    const page = state.page;
    const total = page.total ?? 0;
    countEl.textContent = `${page.total_exact === false ? 'about ' : ''}${num(total)} job${total === 1 ? '' : 's'}`;
    countEl.dataset.total = String(total);
    const sort = state.params.get('sort') || 'id';
    const desc = !!state.params.get('desc');
    const act = canAct();
    const pageIds = page.jobs.map((j) => j.id);
    const allOnPage = pageIds.length > 0 && pageIds.every((id) => state.selected.has(id));
    const headCheck = act ? h('input', {
      type: 'checkbox', title: 'select this page', checked: allOnPage || state.allMatching,
      onchange: (ev) => {
        state.allMatching = false;
        for (const id of pageIds) ev.target.checked ? state.selected.add(id) : state.selected.delete(id);
        draw();
      },
    }) : null;
    const table = h('table', { class: 'grid jobs' },
      h('thead', null, h('tr', null,
        act ? h('th', { class: 'sel' }, headCheck) : null,
        COLUMNS.map(([key, label, sortable]) => {
          if (!sortable) return h('th', null, label);
          const active = sort === key;
          return h('th', { class: `sortable ${active ? 'sorted' : ''}`, 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' },
            h('button', {
              type: 'button', class: 'sort', dataset: { sort: key },
              title: `sort by ${label}`,
              onclick: () => {
                if (active) setParamQuiet('desc', desc ? '' : '1');
                else { state.params.set('sort', key); state.params.delete('desc'); }
                changed();
              },
            }, label, active ? (desc ? ' ▼' : ' ▲') : ''));
        }))),
      h('tbody', null, page.jobs.length === 0
        ? h('tr', null, h('td', { colspan: COLUMNS.length + 1, class: 'empty' }, 'No job matches.'))
        : page.jobs.map((j) => h('tr', { dataset: { id: j.id, state: j.state }, class: state.selected.has(j.id) || state.allMatching ? 'selected' : '' },
          act ? h('td', { class: 'sel' }, h('input', {
            type: 'checkbox', checked: state.selected.has(j.id) || state.allMatching, disabled: state.allMatching,
            onchange: (ev) => { ev.target.checked ? state.selected.add(j.id) : state.selected.delete(j.id); drawSelection(); ev.target.closest('tr').classList.toggle('selected', ev.target.checked); },
          })) : null,
          COLUMNS.map(([key, , , cell]) => h('td', { class: `c-${key}` }, cell(j)))))));
    replace(tableBox, table);
    drawPager();
    drawSelection();
  }

  function setParamQuiet(k, v) {
    if (v) state.params.set(k, v);
    else state.params.delete(k);
  }

  function drawPager() {
    const page = state.page;
    const limitSel = h('select', { name: 'limit', onchange: (ev) => { state.params.set('limit', ev.target.value); changed(); } },
      [25, 50, 100, 200, 500].map((n) => h('option', { value: n, selected: n === limitOf() }, `${n} per page`)));
    replace(pager,
      h('button', { type: 'button', disabled: state.cursors.length === 0, onclick: () => { state.cursors = []; state.params.delete('cursor'); writeHash(); load(); } }, '« First'),
      h('button', { type: 'button', disabled: state.cursors.length === 0, onclick: () => {
        const prev = state.cursors.pop();
        if (prev) state.params.set('cursor', prev); else state.params.delete('cursor');
        writeHash(); load();
      } }, '‹ Previous'),
      h('span', { class: 'muted' }, `page ${state.cursors.length + 1}, ${num(page.jobs.length)} rows`),
      h('button', { type: 'button', disabled: !page.next_cursor, class: 'next', onclick: () => {
        state.cursors.push(state.params.get('cursor') || '');
        state.params.set('cursor', page.next_cursor);
        writeHash(); load();
      } }, 'Next ›'),
      limitSel);
  }

  function drawSelection() {
    if (!canAct()) { replace(selectionBar); return; }
    const page = state.page;
    const total = page ? page.total ?? 0 : 0;
    const n = state.allMatching ? total : state.selected.size;
    const pageIds = page ? page.jobs.map((j) => j.id) : [];
    const allOnPage = pageIds.length > 0 && pageIds.every((id) => state.selected.has(id));
    const parts = [];
    if (state.allMatching) {
      parts.push(h('span', { class: 'sel-count' }, `All ${num(total)} jobs matching the filter are selected.`),
        h('button', { type: 'button', class: 'link', onclick: () => { state.allMatching = false; state.selected.clear(); draw(); } }, 'Clear selection'));
    } else {
      parts.push(h('span', { class: 'sel-count' }, n ? `${num(n)} selected` : 'Select rows to act on them, or'));
      if ((allOnPage && total > pageIds.length) || n === 0) {
        parts.push(h('button', { type: 'button', class: 'link select-all', onclick: () => { state.allMatching = true; draw(); } },
          `select all ${num(total)} matching the filter`));
      }
      if (n) parts.push(h('button', { type: 'button', class: 'link', onclick: () => { state.selected.clear(); draw(); } }, 'Clear'));
    }
    const disabled = n === 0;
    replace(selectionBar, h('div', { class: 'sel-info' }, parts),
      h('div', { class: 'action-buttons' }, ACTIONS.map((a) => h('button', {
        type: 'button', disabled, class: a.danger ? 'danger' : '', dataset: { action: a.name },
        onclick: async () => {
          let filter;
          if (state.allMatching) {
            try { filter = apiQuery(state.params, fixed); } catch (e) { showError(e); return; }
            if (Object.keys(filter).length === 0) filter = { all: '1' };
          }
          const r = await runAction(a, state.allMatching
            ? { filter, count: total, progressBox }
            : { ids: [...state.selected], progressBox });
          if (r) { state.selected.clear(); state.allMatching = false; load(); }
        },
      }, a.label))));
  }

  const sig = state.params.get('error_signature');
  const sigNote = sig ? h('p', { class: 'sig-note' }, 'Only jobs whose error signature is ', h('code', null, sig), ' ',
    h('button', { type: 'button', class: 'link', onclick: () => { sigNote.remove(); setParam('error_signature', ''); } }, 'show all')) : null;
  const el = h('div', { class: 'joblist' },
    form, sigNote,
    h('div', { class: 'list-head' }, title ? h('h2', null, title) : null, countEl),
    selectionBar, progressBox, tableBox, pager);

  load();
  const off = live.on('op', () => refresh());
  return {
    el,
    reload: load,
    setParams(p) { state.params = new URLSearchParams(p); changed(); },
    destroy() { off(); },
  };
}
