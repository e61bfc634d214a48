// Jobs: every job, filtered and sorted from the URL (#/jobs?queue=mail&state=failed).

import { h } from '../dom.js';
import { jobList } from './joblist.js';

export function render(main, params) {
  const list = jobList({ route: '/jobs', params });
  main.append(h('div', { class: 'page-head' }, h('h1', null, 'Jobs')), list.el);
  return list;
}
