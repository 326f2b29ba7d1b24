// #/workflows?campaign_id=&offset= — workflow listing; #/workflows?id=…&status=&offset= — one workflow and its tasks, live.

import { api } from '../api.js';
import { h, a, link, table, row, pager, status, fmtTime, fmtDuration, fmtNumber, loading, setTitle, errorBox, text, fill } from '../ui.js';
import { navigate } from '../nav.js';
import { taskTable } from './tasktable.js';

const PAGE = 50;

export default async function workflows(main, params, ctx) {
  const id = params.get('id');
  return id === null ? listing(main, params, ctx) : detail(main, id, params, ctx);
}

async function listing(main, params, ctx) {
  const campaign_id = params.get('campaign_id') || '';
  const offset = Number(params.get('offset') || 0);
  setTitle('Workflows', campaign_id);
  const body = h('section', { class: 'panel' }, loading('Loading workflows'));
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Workflows', campaign_id ? h('span', { class: 'sub' }, ' in campaign ', h('code', {}, campaign_id)) : null),
      h(
        'div',
        { class: 'actions' },
        campaign_id ? a('overview', { campaign_id }, 'Workflow graph') : null,
        campaign_id ? a('live', { campaign_id }, 'Live') : null,
        campaign_id ? h('a', { class: 'btn', href: api.provUrl('campaigns', campaign_id), download: '' }, '↓ PROV-JSON') : null
      )
    ),
    body
  );
  // the campaign's tasks as a table that answers questions (issue 13)
  if (campaign_id) main.append(taskTable(params, { scope: { campaign_id }, route: 'workflows', routeParams: { campaign_id, offset: offset || null }, ctx }));
  const { workflows: ws } = await api.workflows({ campaign_id, limit: PAGE, offset });
  if (ctx.stale()) return;
  fill(body, 
    table(
      [
        { key: 'workflow_id', label: 'workflow', render: (w) => a('workflows', { id: w.workflow_id }, w.workflow_id) },
        { key: 'name', label: 'name' },
        { key: 'campaign_id', label: 'campaign', render: (w) => (w.campaign_id ? a('workflows', { campaign_id: w.campaign_id }, w.campaign_id) : '') },
        { key: 'status', label: 'status', render: (w) => (w.status ? status(w.status) : '') },
        { key: 'started_at', label: 'started', render: (w) => fmtTime(w.started_at) },
        { key: 'task_count', label: 'tasks', class: 'num', render: (w) => fmtNumber(w.task_count) },
      ],
      ws,
      { rowAttrs: (w) => ({ dataset: { workflowId: w.workflow_id } }), empty: 'No workflows.' }
    ),
    pager({ offset, limit: PAGE, got: ws.length, go: (o) => navigate('workflows', { campaign_id, offset: o || null }) })
  );
}

const TASK_COLUMNS = [
  { key: 'task_id', label: 'task', render: (t) => a('tasks', { id: t.task_id }, t.task_id) },
  { key: 'activity_id', label: 'activity' },
  { key: 'status', label: 'status', render: (t) => status(t.status) },
  { key: 'started_at', label: 'started', render: (t) => fmtTime(t.started_at) },
  { key: 'ended_at', label: 'ended', render: (t) => fmtTime(t.ended_at) },
  {
    key: 'duration',
    label: 'duration',
    class: 'num',
    render: (t) => fmtDuration(t.duration ?? (t.started_at != null && t.ended_at != null ? t.ended_at - t.started_at : null)),
  },
  { key: 'hostname', label: 'host' },
];

async function detail(main, id, params, ctx) {
  const statusFilter = (params.get('status') || '').toUpperCase();
  const offset = Number(params.get('offset') || 0);
  setTitle(id);
  const head = h('div', { class: 'page-head' }, h('h1', {}, 'Workflow ', h('code', { class: 'id' }, id)));
  const summary = h('section', { class: 'panel' }, loading('Loading workflow'));
  const tasksPanel = h('section', { class: 'panel' });
  main.append(head, summary, tasksPanel);
  // the workflow's tasks as a table that answers questions (issue 13)
  main.append(taskTable(params, { scope: { workflow_id: id }, route: 'workflows', routeParams: { id, status: statusFilter || null, offset: offset || null }, ctx }));

  const w = await api.workflow(id);
  if (ctx.stale()) return;
  setTitle(w.name || id);
  head.append(
    h(
      'div',
      { class: 'actions' },
      a('lineage', { id, direction: 'both', depth: 2 }, 'Lineage'),
      a('analysis', { workflow_id: id }, 'Correlations'),
      a('timeline', { workflow_id: id }, 'Timeline'),
      w.campaign_id ? a('overview', { campaign_id: w.campaign_id }, 'Workflow graph') : null,
      h('a', { class: 'btn', href: api.provUrl('workflows', id), download: '', id: 'prov-download' }, '↓ PROV-JSON')
    )
  );
  function renderSummary(w) {
    const span =
      w.first_task_started_at != null && w.last_task_ended_at != null ? w.last_task_ended_at - w.first_task_started_at : null;
    const counts = w.status_counts || {};
    fill(summary, 
      h(
        'dl',
        { class: 'facts' },
        fact('name', w.name || '–'),
        fact('campaign', w.campaign_id ? a('workflows', { campaign_id: w.campaign_id }, w.campaign_id) : '–'),
        w.status ? fact('status', status(w.status)) : null,
        fact('tasks', h('span', { class: 'num', id: 'task-total' }, fmtNumber(w.task_count))),
        fact('first task started', fmtTime(w.first_task_started_at) || '–'),
        fact('last task ended', fmtTime(w.last_task_ended_at) || '–'),
        fact('span', fmtDuration(span) || '–'),
        w.parent_workflow_id ? fact('parent', a('workflows', { id: w.parent_workflow_id }, w.parent_workflow_id)) : null,
        w.sub_workflow_count ? fact('sub-workflows', fmtNumber(w.sub_workflow_count)) : null,
        w.user ? fact('user', w.user) : null
      ),
      h(
        'div',
        { class: 'chips' },
        chip('all', w.task_count, statusFilter === ''),
        Object.entries(counts).map(([s, n]) => chip(s, n, statusFilter === s))
      )
    );
  }
  function chip(s, n, on) {
    return h(
      'a',
      { class: `chip ${on ? 'on' : ''} st-${s.toLowerCase()}`, href: link('workflows', { id, status: s === 'all' ? null : s }) },
      s.toLowerCase(),
      ' ',
      h('b', {}, fmtNumber(n))
    );
  }
  renderSummary(w);
  let refresh = null;
  const refreshSummary = () => {
    if (refresh) return;
    refresh = setTimeout(async () => {
      refresh = null;
      try {
        const fresh = await api.workflow(id);
        if (!ctx.stale()) renderSummary(fresh);
      } catch (e) {
        console.warn('workflow refresh failed', e);
      }
    }, 1000);
  };

  const { tasks } = await api.workflowTasks(id, { status: statusFilter || null, limit: PAGE, offset });
  if (ctx.stale()) return;
  const liveState = h('span', { class: 'live-state connecting' }, 'connecting');
  const tbl = table(TASK_COLUMNS, tasks, { rowAttrs: (t) => ({ dataset: { taskId: t.task_id } }), empty: '' });
  const wrap = h('div', { id: 'tasks' }, tbl);
  tasksPanel.append(
    h('div', { class: 'panel-head' }, h('h2', {}, statusFilter ? `${statusFilter.toLowerCase()} tasks` : 'Tasks'), liveState),
    wrap,
    pager({ offset, limit: PAGE, got: tasks.length, go: (o) => navigate('workflows', { id, status: statusFilter || null, offset: o || null }) })
  );

  // Live: update rows in place; new tasks appear at the top of the first page.
  const close = api.stream(
    { workflow_id: id },
    (ev) => {
      if (ev.workflow_id && ev.workflow_id !== id) return;
      const tbody = wrap.querySelector('tbody');
      const existing = tbody ? [...tbody.rows].find((r) => r.dataset.taskId === ev.task_id) : null;
      const matches = !statusFilter || (ev.status || '').toUpperCase() === statusFilter;
      const tr = row(TASK_COLUMNS, ev, () => ({ dataset: { taskId: ev.task_id }, class: 'flash' }));
      if (existing) {
        if (matches) existing.replaceWith(tr);
        else existing.remove();
      } else if (matches && offset === 0) {
        if (!tbody) fill(wrap, table(TASK_COLUMNS, [ev], { rowAttrs: () => ({ dataset: { taskId: ev.task_id }, class: 'flash' }) }));
        else tbody.prepend(tr);
      }
      refreshSummary();
    },
    (s) => {
      liveState.className = 'live-state ' + s;
      liveState.textContent = s === 'open' ? 'live' : s;
    }
  );
  return () => {
    clearTimeout(refresh);
    close();
  };
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value instanceof Node ? value : text(value)));
}

export { fact };
