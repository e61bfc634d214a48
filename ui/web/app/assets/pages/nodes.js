// Nodes: role, term, commit index, lag, load, running jobs and free slots
// of every node, live from the SSE `overview` event: on a failover the old
// leader greys out and the new one shows without a reload.

import { h, num, replace } from '../dom.js';
import { get, showError } from '../api.js';
import * as live from '../live.js';
import { nodesTable, section, shortNode } from './common.js';

export function render(main) {
  const summary = h('div', { class: 'tiles wide' });
  const box = h('div');
  const history = h('ul', { class: 'events' });
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Nodes')), summary, section('Members', box), section('Changes seen on this page', history));
  let lastLeader;
  let lastTerm;

  function show(o) {
    const leader = (o.nodes || []).find((n) => n.role === 'leader');
    replace(summary,
      tile('mode', o.mode || '–'), tile('leader', leader ? shortNode(leader.id) : (o.leader ? shortNode(o.leader) : 'none')),
      tile('term', num(o.term)), tile('commit index', num(o.index)),
      tile('connected to', o.connected_to || '–'), tile('connection', o.connection_state || '–'));
    replace(box, nodesTable(o.nodes || [], o.leader));
    const leaderId = leader ? leader.id : o.leader || null;
    if (lastLeader !== undefined && (leaderId !== lastLeader || o.term !== lastTerm)) {
      history.prepend(h('li', null, `${new Date().toLocaleTimeString()}: term ${num(o.term)}, leader ${leaderId ? shortNode(leaderId) : 'none'}${lastLeader && leaderId !== lastLeader ? ` (was ${shortNode(lastLeader)})` : ''}`));
    }
    lastLeader = leaderId;
    lastTerm = o.term;
  }

  get('api/overview').then(show, showError);
  const off = live.on('overview', show);
  return { destroy() { off(); } };
}

function tile(label, value) {
  return h('div', { class: 'tile' }, h('div', { class: 'tile-value small-value' }, value), h('div', { class: 'tile-label' }, label));
}
