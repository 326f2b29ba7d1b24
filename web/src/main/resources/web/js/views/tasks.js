// #/tasks?id=… — one task as sent: status, times, used/generated (entities link to lineage and report),
// dependencies, telemetry at start/end side by side, stdout/stderr, the raw document.

import { api } from '../api.js';
import { h, a, kv, status, fmtTime, fmtDuration, fmtNumber, loading, setTitle, text, fill } from '../ui.js';
import { fact } from './workflows.js';

export default async function tasks(main, params, ctx) {
  const id = params.get('id');
  if (!id) {
    main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Task')), h('p', {}, 'Open a task from a workflow, or type its id in the search box.'));
    return;
  }
  setTitle(id);
  const box = h('div', {}, loading('Loading task'));
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Task ', h('code', { class: 'id', id: 'task-id' }, id)),
      h(
        'div',
        { class: 'actions' },
        a('lineage', { id, direction: 'upstream', depth: 3 }, '← Upstream'),
        a('lineage', { id, direction: 'both', depth: 2 }, 'Lineage'),
        a('lineage', { id, direction: 'downstream', depth: 3 }, 'Downstream →')
      )
    ),
    box
  );
  const t = await api.task(id);
  if (ctx.stale()) return;
  const duration = t.duration ?? (t.started_at != null && t.ended_at != null ? t.ended_at - t.started_at : null);
  const entity = (ref) =>
    h(
      'span',
      { class: 'entity-ref' },
      h('span', { class: 'kind-dot entity' }),
      a('lineage', { id: ref['@id'], direction: 'both', depth: 2 }, ref['@id']),
      ref['@type'] ? h('span', { class: 'muted' }, ` (${ref['@type']})`) : null,
      ' ',
      a('report', { id: ref['@id'] }, h('small', {}, 'report')),
      extraAttrs(ref)
    );
  const deps = t.dependencies || [];
  fill(box, 
    h(
      'section',
      { class: 'panel' },
      h(
        'dl',
        { class: 'facts' },
        fact('status', status(t.status)),
        fact('workflow', t.workflow_id ? a('workflows', { id: t.workflow_id }, t.workflow_id) : '–'),
        fact('campaign', t.campaign_id ? a('workflows', { campaign_id: t.campaign_id }, t.campaign_id) : '–'),
        fact('activity', t.activity_id || '–'),
        fact('submitted', fmtTime(t.submitted_at) || '–'),
        fact('started', fmtTime(t.started_at) || '–'),
        fact('ended', fmtTime(t.ended_at) || '–'),
        fact('duration', h('span', { id: 'task-duration' }, fmtDuration(duration) || '–')),
        fact('host', t.hostname || t.node_name || '–'),
        fact('user', t.user || t.login_name || '–'),
        t.adapter_id ? fact('adapter', t.adapter_id) : null,
        t.parent_task_id ? fact('parent task', a('tasks', { id: t.parent_task_id }, t.parent_task_id)) : null
      )
    ),
    h(
      'div',
      { class: 'cols' },
      h('section', { class: 'panel', id: 'used' }, h('h2', {}, 'Used'), kv(t.used, { entity })),
      h('section', { class: 'panel', id: 'generated' }, h('h2', {}, 'Generated'), kv(t.generated, { entity }))
    ),
    deps.length
      ? h(
          'section',
          { class: 'panel' },
          h('h2', {}, 'Depends on'),
          h('ul', { class: 'plain' }, deps.map((d) => h('li', {}, a('tasks', { id: d }, d))))
        )
      : null,
    t.telemetry_at_start || t.telemetry_at_end
      ? h('section', { class: 'panel', id: 'telemetry' }, h('h2', {}, 'Telemetry'), telemetry(t.telemetry_at_start, t.telemetry_at_end))
      : null,
    t.stdout ? h('section', { class: 'panel' }, h('h2', {}, 'stdout'), h('pre', { class: 'log', id: 'stdout' }, t.stdout)) : null,
    t.stderr ? h('section', { class: 'panel' }, h('h2', {}, 'stderr'), h('pre', { class: 'log err', id: 'stderr' }, t.stderr)) : null,
    t.custom_metadata || t.tags
      ? h('section', { class: 'panel' }, h('h2', {}, 'Metadata'), kv({ ...(t.custom_metadata || {}), ...(t.tags ? { tags: t.tags } : {}) }))
      : null,
    h('details', { class: 'panel raw' }, h('summary', {}, 'Raw document (as sent, merged)'), h('pre', { class: 'json' }, JSON.stringify(t, null, 2)))
  );
}

function extraAttrs(ref) {
  const rest = Object.entries(ref).filter(([k]) => k !== '@id' && k !== '@type');
  if (!rest.length) return null;
  return h('div', { class: 'muted small' }, rest.map(([k, v]) => `${k}=${text(v)}`).join(', '));
}

/** Flattens {a:{b:1}} to [['a.b', 1]]. */
function flatten(obj, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out.set(key, v);
  }
  return out;
}

/** Telemetry at start and end side by side with the change of numeric values. */
function telemetry(start, end) {
  const s = flatten(start);
  const e = flatten(end);
  const keys = [...new Set([...s.keys(), ...e.keys()])].sort();
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid telemetry' },
      h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', { class: 'num' }, 'at start'), h('th', { class: 'num' }, 'at end'), h('th', { class: 'num' }, 'change'))),
      h(
        'tbody',
        {},
        keys.map((k) => {
          const x = s.get(k);
          const y = e.get(k);
          const d = typeof x === 'number' && typeof y === 'number' ? y - x : null;
          return h(
            'tr',
            {},
            h('th', {}, k),
            h('td', { class: 'num' }, typeof x === 'number' ? fmtNumber(x) : text(x)),
            h('td', { class: 'num' }, typeof y === 'number' ? fmtNumber(y) : text(y)),
            h('td', { class: `num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}` }, d === null || d === 0 ? '' : (d > 0 ? '+' : '') + fmtNumber(d))
          );
        })
      )
    )
  );
}
