// #/live?workflow_id=&campaign_id= — tasks as they are ingested (Server-Sent Events from /api/stream).

import { api } from '../api.js';
import { h, a, status, fmtDuration, fmtTime, setTitle } from '../ui.js';
import { navigate } from '../nav.js';

/**
 * A live table of task events in `container`. Returns the function that closes the stream.
 * opts: {title, max, compact, onTask(ev)}
 */
export function feed(container, filters, { title = 'Live tasks', max = 500, compact = false, onTask } = {}) {
  const state = h('span', { class: 'live-state connecting' }, 'connecting');
  const counter = h('span', { class: 'muted' }, '');
  const body = h('tbody');
  const empty = h('p', { class: 'empty' }, 'Waiting for tasks… they appear here as observers send them.');
  const tableEl = h(
    'table',
    { class: 'grid live-table', hidden: true },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'task'), compact ? null : h('th', {}, 'workflow'), h('th', {}, 'activity'), h('th', {}, 'status'), compact ? null : h('th', {}, 'ended'), h('th', { class: 'num' }, 'duration'))
    ),
    body
  );
  let paused = false;
  let n = 0;
  const pauseBtn = compact
    ? null
    : h('button', { class: 'btn', onclick: () => { paused = !paused; pauseBtn.textContent = paused ? 'Resume' : 'Pause'; } }, 'Pause');
  container.append(h('div', { class: 'panel-head' }, h('h2', {}, title), state, counter, pauseBtn), empty, h('div', { class: 'table-wrap' }, tableEl));

  const rows = new Map();
  const close = api.stream(
    filters,
    (ev) => {
      n++;
      counter.textContent = `${n} event${n === 1 ? '' : 's'}`;
      if (onTask) onTask(ev);
      if (paused) return;
      const cells = [
        h('td', {}, a('tasks', { id: ev.task_id }, ev.task_id)),
        compact ? null : h('td', {}, ev.workflow_id ? a('workflows', { id: ev.workflow_id }, ev.workflow_id) : ''),
        h('td', {}, ev.activity_id || ''),
        h('td', {}, status(ev.status)),
        compact ? null : h('td', {}, fmtTime(ev.ended_at)),
        h('td', { class: 'num' }, fmtDuration(ev.duration ?? (ev.ended_at && ev.started_at ? ev.ended_at - ev.started_at : null))),
      ];
      const tr = h('tr', { class: 'flash', dataset: { taskId: ev.task_id } }, cells);
      const old = rows.get(ev.task_id);
      if (old) old.remove();
      rows.set(ev.task_id, tr);
      body.prepend(tr);
      while (body.children.length > max) {
        const last = body.lastElementChild;
        rows.delete(last.dataset.taskId);
        last.remove();
      }
      empty.hidden = true;
      tableEl.hidden = false;
    },
    (s) => {
      state.className = 'live-state ' + s;
      state.textContent = s === 'open' ? 'live' : s;
    }
  );
  return close;
}

export default async function live(main, params) {
  const workflow_id = params.get('workflow_id') || '';
  const campaign_id = params.get('campaign_id') || '';
  setTitle('Live');
  const wf = h('input', { type: 'search', placeholder: 'workflow id (all)', value: workflow_id, 'aria-label': 'workflow id' });
  const cp = h('input', { type: 'search', placeholder: 'campaign id (all)', value: campaign_id, 'aria-label': 'campaign id' });
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (e) => {
        e.preventDefault();
        navigate('live', { workflow_id: wf.value.trim(), campaign_id: cp.value.trim() });
      },
    },
    h('label', {}, 'Workflow ', wf),
    h('label', {}, 'Campaign ', cp),
    h('button', { class: 'btn primary', type: 'submit' }, 'Follow')
  );
  const panel = h('section', { class: 'panel' });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Live'), h('p', { class: 'muted' }, 'Tasks appear as the server ingests them; no refresh needed.')),
    form,
    panel
  );
  const scope = [workflow_id && `workflow ${workflow_id}`, campaign_id && `campaign ${campaign_id}`].filter(Boolean).join(', ');
  return feed(panel, { workflow_id, campaign_id }, { title: scope ? `Tasks of ${scope}` : 'All tasks' });
}
