// Acting on jobs: the argument dialog of each action, the confirmation
// that names how many jobs a filter selects, and the progress of a bulk
// action from the SSE `operation` events.

import { h, num, replace } from '../dom.js';
import { get, post, showError } from '../api.js';
import * as live from '../live.js';

// name, label, the arguments it asks for, whether it is dangerous.
export const ACTIONS = [
  { name: 'retry', label: 'Retry', args: [] },
  { name: 'kill', label: 'Kill', args: [], danger: true },
  { name: 'delete', label: 'Delete', args: [], danger: true },
  { name: 'relocate', label: 'Relocate', args: [['queue', 'to queue'], ['node', 'to node (id, optional)']] },
  { name: 'rerole', label: 'Re-role', args: [['queue', 'queue'], ['class', 'class'], ['priority', 'priority', 'number'], ['flow', 'flow']] },
  { name: 'reschedule', label: 'Reschedule', args: [['in', 'in (e.g. 30s, 10m, 2h)'], ['at', 'or at (date and time)', 'datetime-local']] },
  { name: 'pin', label: 'Pin', args: [['node', 'node id'], ['pool', 'pool']] },
  { name: 'unpin', label: 'Unpin', args: [] },
];

// "30s", "10m", "2h", "1d", "500ms" or a plain number of seconds to ms.
export function parseDuration(text) {
  const m = String(text).trim().match(/^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/);
  if (!m) return null;
  const n = parseFloat(m[1]);
  const unit = { ms: 1, s: 1000, m: 60e3, min: 60e3, h: 3600e3, d: 86400e3 }[m[2] || 's'];
  return Math.round(n * unit);
}

// A time filter as typed (an age such as 10m meaning "10 minutes ago", an
// ISO date, or ms since the epoch) to ms since the epoch; null if not one.
export function parseTime(text) {
  const s = String(text).trim();
  if (!s) return null;
  if (/^\d{12,}$/.test(s)) return Number(s);
  const d = parseDuration(s);
  if (d !== null && /[a-z]$/.test(s)) return Date.now() - d;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

function argsBody(action, values) {
  const body = {};
  for (const [k, , type] of action.args) {
    const v = (values[k] || '').trim();
    if (!v) continue;
    if (k === 'in') {
      const ms = parseDuration(v);
      if (ms === null) throw new Error(`in: '${v}' is not a duration such as 30s, 10m or 2h`);
      body.in_ms = ms;
    } else if (k === 'at') {
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw new Error(`at: '${v}' is not a date and time`);
      body.run_at = t;
    } else if (type === 'number') {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`${k}: '${v}' is not a whole number`);
      body[k] = n;
    } else {
      body[k] = v;
    }
  }
  return body;
}

// Shows a modal dialog; resolves to the entered values, or null if cancelled.
export function dialog(title, message, fields, confirmLabel, danger) {
  return new Promise((resolve) => {
    const inputs = {};
    const err = h('p', { class: 'error-text' });
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h2', null, title),
      message ? h('p', { class: 'confirm-text' }, message) : null,
      fields.map(([k, label, type]) => {
        inputs[k] = h('input', { name: k, type: type === 'number' ? 'number' : type || 'text' });
        return h('label', { class: 'field' }, h('span', null, label), inputs[k]);
      }),
      err,
      h('div', { class: 'buttons' },
        h('button', { type: 'button', value: 'cancel', onclick: () => { dlg.close(); } }, 'Cancel'),
        h('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : 'primary' }, confirmLabel)));
    const dlg = h('dialog', { class: 'modal' }, form);
    let result = null;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      result = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value]));
      dlg.close();
    });
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// Runs an action on ids (synchronous answer) or on a filter (an operation
// whose progress shows in `progressBox`). `count` is the N named in the
// confirmation. Resolves when the action is done (or failed).
export async function runAction(action, { ids, filter, count, progressBox, group }) {
  const what = ids ? `${num(ids.length)} selected job${ids.length === 1 ? '' : 's'}` :
    group ? `all ${num(count)} jobs of ${group}` : `all ${num(count)} jobs matching the filter`;
  const values = await dialog(`${action.label} ${what}?`,
    filter && !group ? `This ${action.name === 'delete' ? 'deletes' : 'acts on'} all ${num(count)} jobs matching the current filter, not only the page shown.` :
      group ? `Every failed and dead job of ${group} (${num(count)} now), as one operation whose progress shows here.` : null,
    action.args, `${action.label} ${ids ? num(ids.length) : 'all ' + num(count)}`, action.danger);
  if (!values) return null;
  let body;
  try {
    body = { action: action.name, ...argsBody(action, values) };
  } catch (e) {
    showError(e);
    return null;
  }
  if (ids) body.ids = ids;
  else body.filter = filter;
  let reply;
  try {
    reply = await post('api/actions', body);
  } catch (e) {
    showError(e);
    return null;
  }
  if (reply && reply.operation_id) return followOperation(reply.operation_id, reply.matching ?? count, action, progressBox);
  if (progressBox) replace(progressBox, h('div', { class: 'result' }, summary(action, reply)));
  return reply;
}

function summary(action, r) {
  if (!r) return '';
  const parts = [`${action.label}: ${num(r.done ?? 0)} done of ${num(r.selected ?? 0)}`];
  if (r.already_final) parts.push(`${num(r.already_final)} already final`);
  if (r.not_found) parts.push(`${num(r.not_found)} not found`);
  if (r.refused) parts.push(`${num(r.refused)} refused`);
  let text = parts.join(', ');
  if (r.errors && r.errors.length) text += ` — ${r.errors.slice(0, 3).map((e) => `${e.id}: ${e.message}`).join('; ')}`;
  if (r.error) text += ` — ${r.error}`;
  return text;
}

// Follows a bulk operation through SSE `operation` events until it is done.
function followOperation(id, matching, action, box) {
  return new Promise((resolve) => {
    const bar = h('progress', { max: Math.max(1, matching || 1), value: 0 });
    const text = h('span', null, `${action.label}: starting on ${num(matching)} jobs…`);
    const el = h('div', { class: 'operation', dataset: { operation: id } }, bar, text);
    if (box) replace(box, el);
    let finished = false;
    const handle = (op) => {
      if (!op || op.id !== id || finished) return;
      const total = op.selected || op.matching || matching || 1;
      bar.max = Math.max(1, total);
      bar.value = Math.min(total, (op.done || 0) + (op.already_final || 0) + (op.not_found || 0) + (op.refused || 0));
      if (op.state === 'running') {
        text.textContent = `${action.label}: ${num(bar.value)} of ${num(total)}…`;
      } else {
        finished = true;
        off();
        el.classList.add(op.state === 'done' ? 'done' : 'failed');
        text.textContent = summary(action, op) + (op.state === 'failed' ? ' (failed)' : '');
        if (op.state === 'failed' && op.error) showError(new Error(`${action.label}: ${op.error}`));
        resolve(op);
      }
    };
    const off = live.on('operation', handle);
    // The operation may have progressed (or ended) before this page heard
    // of its id: one read catches up, the events do the rest.
    get(`api/operations/${encodeURIComponent(id)}`).then(handle, () => {});
  });
}
