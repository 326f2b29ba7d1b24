// #/lineage?id=…&direction=upstream|downstream|both&depth=N[&expand=id…][&open=group…][&limit=M][&group=off]
// The lineage graph around any task, entity or workflow. Sibling runs of one activity (and the entities only
// they touch) collapse into group nodes; click a group to open it. Click a node for its parameters, results
// and attributes; double-click or "Expand" merges the lineage rooted there; "Focus" re-roots the view.
// Expanding and opening push a history entry: Back undoes them. The URL keeps root, expansions and groups.

import { api } from '../api.js';
import { h, a, link, status, fmtTime, fmtDuration, fmtNumber, errorBox, loading, setTitle, text, fill, hue, kv } from '../ui.js';
import { navigate } from '../nav.js';
import { createGraph, LEGEND } from '../graph.js';
import { groupSiblings, siblingLabels, bestWorst, shortestPath, shortField } from '../lineage-model.js';

const DIRECTIONS = ['upstream', 'both', 'downstream'];
const LIMITS = [100, 250, 500, 1000, 2000, 5000];
/** Sibling groups at least this big collapse. */
const GROUP_MIN = 5;
/** Fields asked per activity for labels and metrics (the DSL projection). */
const MAX_FIELDS = 40;

export default async function lineage(main, params, ctx) {
  const id = params.get('id') || '';
  const direction = DIRECTIONS.includes(params.get('direction')) ? params.get('direction') : 'both';
  const depth = Math.max(1, Math.min(50, Number(params.get('depth')) || 2));
  const limit = Number(params.get('limit')) || null;
  const expanded = params.getAll('expand');
  const opened = params.getAll('open');
  const grouping = params.get('group') !== 'off';
  setTitle('Lineage', id);

  let graph = null; // set once the graph is drawn: every toolbar action checks it
  let view = null; // the grouped view: {nodes, edges, groups, rep}
  let truncated = false;
  let pathStart = null;
  const expandedSet = new Set(expanded);
  const openSet = new Set(opened);
  const raw = { nodes: new Map(), edges: new Map() };
  const facts = new Map(); // task id → {field: value} from the DSL (labels, metrics)
  const state = () => ({ id, direction, depth, limit, expand: [...expandedSet], open: [...openSet], group: grouping ? null : 'off' });

  const idInput = h('input', { type: 'search', class: 'grow', placeholder: 'task, entity or workflow id', value: id, 'aria-label': 'root id', id: 'lineage-id' });
  const depthInput = h('input', { type: 'number', min: 1, max: 50, value: depth, class: 'narrow', 'aria-label': 'depth', id: 'lineage-depth' });
  const limitSelect = h(
    'select',
    { 'aria-label': 'node limit', id: 'lineage-limit', title: 'most nodes the server answers', onchange: () => go({ limit: limitSelect.value }) },
    LIMITS.map((n) => h('option', { value: n, selected: (limit || 500) === n }, `${n} nodes`))
  );
  const groupBox = h('input', { type: 'checkbox', id: 'lineage-group', checked: grouping, onchange: () => go({ group: groupBox.checked ? null : 'off', open: [] }) });
  const dirButtons = DIRECTIONS.map((d) =>
    h('button', { type: 'button', class: `seg ${d === direction ? 'on' : ''}`, dataset: { direction: d }, onclick: () => go({ direction: d }) }, d === 'upstream' ? '← upstream' : d === 'downstream' ? 'downstream →' : 'both')
  );
  const go = (over = {}) =>
    navigate('lineage', { id: idInput.value.trim(), direction, depth: depthInput.value, limit, group: grouping ? null : 'off', ...over });
  const find = h('input', { type: 'search', placeholder: 'find in graph', 'aria-label': 'find in graph', class: 'narrow-wide', id: 'lineage-find' });
  const findCount = h('span', { class: 'muted small', id: 'find-count' });
  const toolbar = h(
    'form',
    { class: 'toolbar', onsubmit: (e) => (e.preventDefault(), go()) },
    idInput,
    h('span', { class: 'segmented' }, dirButtons),
    h('label', {}, 'depth ', depthInput),
    limitSelect,
    h('label', { title: `collapse ${GROUP_MIN} or more runs of one activity into a group` }, groupBox, ' group runs'),
    h('button', { class: 'btn primary', type: 'submit' }, 'Show'),
    h('span', { class: 'sep' }),
    h('button', { class: 'btn', type: 'button', title: 'fit the graph', onclick: () => graph?.fit(), id: 'btn-fit' }, 'Fit'),
    h('button', { class: 'btn', type: 'button', title: 'zoom out', onclick: () => graph?.zoom(1 / 1.3), id: 'btn-zoom-out' }, '−'),
    h('button', { class: 'btn', type: 'button', title: 'zoom in', onclick: () => graph?.zoom(1.3), id: 'btn-zoom-in' }, '+'),
    h('button', { class: 'btn', type: 'button', title: 'lay out again', onclick: () => graph?.layout(true) }, 'Re-layout'),
    h('button', { class: 'btn', type: 'button', title: 'download the graph as PNG', onclick: () => exportPng(), id: 'btn-png' }, '↓ PNG'),
    find,
    findCount
  );
  find.addEventListener('input', () => {
    const n = graph ? graph.highlight(find.value.trim()) : 0;
    findCount.textContent = find.value.trim() && graph ? `${n} match${n === 1 ? '' : 'es'}` : '';
  });

  const canvas = h('div', { class: 'graph', id: 'graph' });
  const side = h('aside', { class: 'side', id: 'side' });
  const info = h('div', { class: 'graph-info', id: 'graph-info' });
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Lineage')), toolbar, h('div', { class: 'graph-layout' }, h('div', { class: 'graph-box' }, canvas, info), side));

  function exportPng() {
    if (!graph) return;
    const blob = graph.png();
    const url = URL.createObjectURL(blob);
    const link2 = h('a', { href: url, download: `lineage-${id.replace(/[^\w.-]+/g, '_').slice(0, 60)}.png` });
    document.body.append(link2);
    link2.click();
    link2.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  if (!id) {
    side.append(legend());
    canvas.append(h('div', { class: 'graph-empty' }, h('p', {}, 'Type a task, entity or workflow id above, or open the lineage from a task or workflow page.')));
    canvas.dataset.ready = 'true';
    return;
  }

  const showInfo = () => {
    fill(
      info,
      h(
        'span',
        {},
        h('span', { id: 'node-count' }, `${graph.size} nodes`),
        ' · ',
        `${graph.cy.edges().length} edges`,
        view.groups.size ? h('span', { id: 'group-count' }, ` · ${view.groups.size} group${view.groups.size === 1 ? '' : 's'} of ${[...view.groups.values()].reduce((s, g) => s + g.count, 0)} nodes (click one to open it)`) : null,
        ` · ${raw.nodes.size} in the lineage`,
        truncated ? h('span', { class: 'warn', id: 'truncated' }, ' · truncated at the node limit: raise it, expand nodes or lower the depth') : null
      )
    );
  };

  const selectNode = (d) => {
    if (!graph) return;
    fill(side, d ? (d.kind === 'group' ? groupPanel(d) : nodePanel(d)) : summaryPanel());
  };

  function pathButtons(d) {
    return h(
      'div',
      { class: 'path-tools' },
      pathStart && pathStart !== d.id
        ? h('button', { class: 'btn', type: 'button', id: 'btn-path', onclick: () => showPath(pathStart, d.id) }, `Highlight path from ${shortLabel(pathStart)}`)
        : null,
      h('button', { class: 'btn', type: 'button', id: 'btn-path-start', onclick: () => ((pathStart = d.id), selectNode(d)) }, pathStart === d.id ? 'Path starts here' : 'Start a path here'),
      h('button', { class: 'link-btn', type: 'button', onclick: () => graph.path([], []) }, 'clear highlight')
    );
  }

  function shortLabel(nid) {
    const n = graph.cy.getElementById(nid);
    return n.nonempty() ? n.data('short') : nid;
  }

  function showPath(from, to) {
    const p = shortestPath(view.edges, from, to);
    const note = document.getElementById('path-note') || h('p', { id: 'path-note', class: 'small' });
    if (!p.nodes.length) note.textContent = `No path between ${shortLabel(from)} and ${shortLabel(to)} in this graph.`;
    else note.textContent = `Path of ${p.edges.length} step${p.edges.length === 1 ? '' : 's'}: ${p.nodes.map(shortLabel).join(' — ')}`;
    graph.path(p.nodes, p.edges);
    side.querySelector('.path-tools')?.after(note);
  }

  function nodePanel(d) {
    const kindLink =
      d.kind === 'task' ? a('tasks', { id: d.id }, 'Open task') : d.kind === 'workflow' ? a('workflows', { id: d.id }, 'Open workflow') : a('report', { id: d.id }, 'Lifecycle report');
    const details = h('div', { class: 'node-details', id: 'node-details' }, loading('Loading details'));
    const panel = h(
      'div',
      { class: 'node-panel', id: 'node-panel' },
      h('div', { class: 'kind-tag ' + d.kind }, d.kind),
      h('h3', { class: 'id', id: 'selected-id' }, d.id),
      d.label && d.label !== d.id ? h('div', { class: 'muted', id: 'selected-label' }, d.label) : null,
      h(
        'dl',
        { class: 'facts small' },
        d.status ? fact('status', status(d.status)) : null,
        d.type ? fact('type', d.type) : null,
        d.entity_id ? fact('version of', a('lineage', { id: d.entity_id, direction, depth }, d.entity_id)) : null,
        d.version ? fact('version', d.version) : null,
        d.workflow_id ? fact('workflow', a('workflows', { id: d.workflow_id }, d.workflow_id)) : null,
        d.campaign_id ? fact('campaign', a('workflows', { campaign_id: d.campaign_id }, d.campaign_id)) : null,
        d.started_at ? fact('started', fmtTime(d.started_at)) : null,
        d.ended_at ? fact('ended', fmtTime(d.ended_at)) : null,
        d.started_at && d.ended_at ? fact('duration', fmtDuration(d.ended_at - d.started_at)) : null,
        d.depth != null && Number.isFinite(d.depth) ? fact('distance', text(d.depth)) : null
      ),
      h(
        'div',
        { class: 'btn-col' },
        h('button', { class: 'btn primary', type: 'button', id: 'btn-expand', disabled: expandedSet.has(d.id) || d.id === id, onclick: () => expand(d) }, expandedSet.has(d.id) || d.id === id ? 'Expanded' : 'Expand here'),
        h('a', { class: 'btn', href: link('lineage', { id: d.id, direction, depth }), id: 'btn-focus' }, 'Focus (new root)'),
        h('button', { class: 'btn', type: 'button', onclick: () => graph.center(d.id) }, 'Center'),
        h('span', { class: 'btn-link' }, kindLink)
      ),
      pathButtons(d),
      details,
      h('button', { class: 'link-btn', type: 'button', onclick: () => (graph.cy.$(':selected').unselect(), selectNode(null)) }, '← graph summary')
    );
    loadDetails(d, details);
    return panel;
  }

  /** The task's parameters, results, stderr head; the entity's attributes and versions. */
  async function loadDetails(d, box) {
    try {
      if (d.kind === 'task') {
        const t = await api.task(d.id);
        const ref = (v) => a('lineage', { id: v['@id'], direction, depth }, v['@id']);
        const err = typeof t.stderr === 'string' && t.stderr.trim() ? t.stderr.trim().split('\n').slice(-8).join('\n') : null;
        fill(
          box,
          h('h4', {}, 'Parameters (used)'),
          h('div', { id: 'node-used' }, kv(t.used, { entity: ref })),
          h('h4', {}, 'Results (generated)'),
          h('div', { id: 'node-generated' }, kv(t.generated, { entity: ref })),
          err ? [h('h4', {}, 'stderr (last lines)'), h('pre', { class: 'stderr-head', id: 'node-stderr' }, err)] : null,
          t.hostname ? h('p', { class: 'small muted' }, `host ${t.hostname}`) : null
        );
      } else if (d.kind === 'entity') {
        const e = await api.entity(d.entity_id || d.id);
        const versions = e.versions || [];
        fill(
          box,
          h('h4', {}, 'Attributes'),
          h('div', { id: 'node-attributes' }, kv(e.attributes)),
          h('h4', {}, `Versions (${versions.length})`),
          versions.length
            ? h(
                'ul',
                { class: 'plain small', id: 'node-versions' },
                versions.map((v) =>
                  h(
                    'li',
                    { class: v.id === d.id ? 'on' : null },
                    h('strong', {}, v.version),
                    v.generated_at ? ` · ${fmtTime(v.generated_at)}` : '',
                    (v.generated_by || []).map((g) => [' · by ', a('tasks', { id: g.task_id }, g.task_id)]),
                    ` · ${v.use_count} use${v.use_count === 1 ? '' : 's'}`
                  )
                )
              )
            : h('p', { class: 'muted small' }, 'No recorded generation: raw input.'),
          e.origin_use_count ? h('p', { class: 'small' }, `${e.origin_use_count} use(s) before any recorded generation`) : null
        );
      } else fill(box);
    } catch (err) {
      fill(box, errorBox(err));
    }
  }

  function groupPanel(g) {
    const mix = g.status_mix || {};
    const metricBox = h('div', { id: 'group-metric' });
    const panel = h(
      'div',
      { class: 'node-panel', id: 'node-panel' },
      h('div', { class: 'kind-tag group' }, g.group_of === 'task' ? 'group of runs' : 'group of entities'),
      h('h3', { id: 'selected-id' }, g.label),
      h(
        'dl',
        { class: 'facts small' },
        fact('members', String(g.count)),
        g.workflow_id ? fact('workflow', a('workflows', { id: g.workflow_id }, g.workflow_id)) : null,
        Object.keys(mix).length ? fact('status', h('span', { id: 'group-status' }, Object.entries(mix).map(([s, n]) => [status(s), ` ${n} `]))) : null
      ),
      h('div', { class: 'btn-col' }, h('button', { class: 'btn primary', type: 'button', id: 'btn-open-group', onclick: () => openGroup(g) }, `Open the ${g.count}`), pathButtons(g)),
      g.group_of === 'task' ? metricBox : null,
      h('h4', {}, 'Members'),
      h(
        'ul',
        { class: 'plain small members', id: 'group-members' },
        g.members.slice(0, 50).map((m) => h('li', {}, a(g.group_of === 'task' ? 'tasks' : 'lineage', g.group_of === 'task' ? { id: m } : { id: m, direction, depth }, labelOf(m)))),
        g.members.length > 50 ? h('li', { class: 'muted' }, `… ${g.members.length - 50} more`) : null
      ),
      h('button', { class: 'link-btn', type: 'button', onclick: () => (graph.cy.$(':selected').unselect(), selectNode(null)) }, '← graph summary')
    );
    if (g.group_of === 'task') metricPicker(g, metricBox);
    return panel;
  }

  function labelOf(nid) {
    const n = raw.nodes.get(nid);
    return n ? n.label || nid : nid;
  }

  /** A metric select (the group's numeric generated.* fields) and its best and worst run. */
  function metricPicker(g, box) {
    const rows = g.members.map((m) => ({ task_id: m, ...(facts.get(m) || {}) }));
    const metrics = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((f) => f.startsWith('generated.') && rows.some((r) => typeof r[f] === 'number')).sort();
    if (!metrics.length) return fill(box, h('p', { class: 'muted small' }, 'No numeric result recorded for these runs.'));
    const pick = h('select', { id: 'group-metric-field', 'aria-label': 'metric' }, metrics.map((m) => h('option', { value: m, selected: /loss/i.test(m) && !metrics.some((x) => /loss/i.test(x) && x < m) }, shortField(m))));
    const out = h('div', { id: 'group-best-worst', class: 'small' });
    const show = () => {
      const bw = bestWorst(rows, pick.value);
      fill(
        out,
        bw
          ? [
              h('div', {}, 'best ', h('strong', {}, fmtNumber(bw.best.value)), ' ', a('tasks', { id: bw.best.task_id }, labelOf(bw.best.task_id))),
              h('div', {}, 'worst ', h('strong', {}, fmtNumber(bw.worst.value)), ' ', a('tasks', { id: bw.worst.task_id }, labelOf(bw.worst.task_id))),
              h('div', { class: 'muted' }, `${bw.n} of ${g.count} runs have it (${bw.lowerIsBetter ? 'lower' : 'higher'} is better)`),
            ]
          : 'no value'
      );
    };
    pick.addEventListener('change', show);
    fill(box, h('label', { class: 'small' }, 'metric ', pick), out);
    show();
  }

  function summaryPanel() {
    const kinds = {};
    graph.cy.nodes().forEach((n) => (kinds[n.data('kind')] = (kinds[n.data('kind')] || 0) + 1));
    return h(
      'div',
      {},
      h('h3', {}, 'Root'),
      h('p', { class: 'id' }, id),
      h('p', { class: 'muted small' }, `${direction}, depth ${depth}`, expandedSet.size ? `, ${expandedSet.size} expanded` : '', openSet.size ? `, ${openSet.size} group(s) opened` : ''),
      h('ul', { class: 'plain' }, Object.entries(kinds).map(([k, n]) => h('li', {}, h('span', { class: 'kind-dot ' + k }), ` ${n} ${k === 'entity' ? (n === 1 ? 'entity' : 'entities') : k + (n === 1 ? '' : 's')}`))),
      workflowsPanel(),
      h('p', { class: 'muted small' }, 'Click a node for details, a group to see and open its members; double-click to expand. Back undoes an expand. Scroll to zoom, drag to pan.'),
      legend()
    );
  }

  /** The workflows in the graph with their border colour. */
  function workflowsPanel() {
    const counts = new Map();
    graph.cy.nodes().forEach((n) => {
      const w = n.data('workflow_id');
      if (w && n.data('kind') !== 'workflow') counts.set(w, (counts.get(w) || 0) + (n.data('count') || 1));
    });
    if (!counts.size) return null;
    return h(
      'div',
      {},
      h('h4', {}, 'Workflows'),
      h(
        'ul',
        { class: 'plain' },
        [...counts].map(([w, n]) =>
          h('li', {}, h('span', { class: 'swatch ring', style: { borderColor: `hsl(${hue(w)}, 55%, 42%)` } }), ' ', a('workflows', { id: w }, w), ' ', a('timeline', { workflow_id: w }, '(timeline)'), h('span', { class: 'muted' }, ` · ${n}`))
        )
      )
    );
  }

  /** Expanding pushes a history entry (Back undoes it); the view is drawn again from the URL. */
  function expand(d) {
    if (d.kind === 'group') return openGroup(d);
    if (expandedSet.has(d.id) || d.id === id) return;
    navigate('lineage', { ...state(), expand: [...expandedSet, d.id] });
  }

  function openGroup(g) {
    navigate('lineage', { ...state(), open: [...openSet, g.id] });
  }

  canvas.append(loading('Loading lineage'));
  const t0 = performance.now();
  const add = (ans) => {
    for (const n of ans.nodes || []) {
      const old = raw.nodes.get(n.id);
      raw.nodes.set(n.id, old ? { ...n, ...old, depth: Math.min(old.depth ?? Infinity, n.depth ?? Infinity) } : n);
    }
    for (const e of ans.edges || []) raw.edges.set(`${e.source}\u0000${e.type}\u0000${e.target}`, e);
    truncated = truncated || !!ans.truncated;
  };
  try {
    add(await api.lineage({ id, direction, depth, limit }));
  } catch (e) {
    fill(canvas, h('div', { class: 'graph-empty', id: 'graph-error' }, errorBox(e)));
    canvas.dataset.ready = 'true';
    side.append(legend());
    return;
  }
  if (ctx.stale()) return;
  for (const x of expanded) {
    try {
      add(await api.lineage({ id: x, direction, depth: Math.min(depth, 2), limit }));
      if (ctx.stale()) return;
    } catch (e) {
      side.prepend(errorBox(e));
    }
  }
  const fetched = performance.now();
  const keep = new Set([id, ...expandedSet]);
  const nodes = [...raw.nodes.values()];
  const edges = [...raw.edges.values()];
  view = grouping ? groupSiblings(nodes, edges, { min: GROUP_MIN, open: openSet, keep }) : { nodes, edges, groups: new Map(), rep: new Map() };
  fill(canvas);
  graph = createGraph(canvas, { select: selectNode, expand });
  window.midaGraph = graph; // handle for debugging from the console (and the browser tests)
  graph.set(view.nodes, view.edges);
  graph.layout(false);
  graph.mark(id, 'root');
  expandedSet.forEach((x) => graph.mark(x, 'expanded'));
  showInfo();
  selectNode(null);
  canvas.dataset.renderMs = String(Math.round(performance.now() - t0));
  canvas.dataset.fetchMs = String(Math.round(fetched - t0));
  canvas.dataset.ready = 'true';
  if (!raw.nodes.size) canvas.append(h('div', { class: 'graph-empty' }, 'No lineage for this id.'));
  const cleanup = () => {
    if (window.midaGraph === graph) delete window.midaGraph;
    graph.destroy();
  };
  // labels that tell sibling runs apart, and the values behind the groups' metrics: one query per activity
  loadFacts(nodes)
    .then(() => {
      if (ctx.stale()) return;
      for (const n of nodes) {
        const l = n.kind === 'task' && facts.get(n.id)?._label;
        if (l) {
          graph.relabel(n.id, l);
          raw.nodes.set(n.id, { ...n, label: l });
        }
      }
      canvas.dataset.labels = 'true';
      const sel = graph.cy.$(':selected');
      if (sel.nonempty() && sel.data('kind') === 'group') selectNode(sel.data());
    })
    .catch((e) => console.warn('sibling labels', e));
  return cleanup;

  async function loadFacts(all) {
    const byActivity = new Map();
    for (const n of all) {
      if (n.kind !== 'task' || !n.workflow_id) continue;
      const k = `${n.workflow_id}\u0000${n.activity_id || n.label}`;
      if (!byActivity.has(k)) byActivity.set(k, []);
      byActivity.get(k).push(n);
    }
    const fieldsByWorkflow = new Map();
    for (const [k, members] of [...byActivity].slice(0, 30)) {
      if (members.length < 2) continue;
      const wid = members[0].workflow_id;
      if (!fieldsByWorkflow.has(wid)) fieldsByWorkflow.set(wid, api.fieldsOf({ workflow_id: wid }).catch(() => ({ fields: [] })));
      const fields = ((await fieldsByWorkflow.get(wid)).fields || [])
        .map((f) => f.name)
        .filter((f) => /^(used|generated)\./.test(f) || /(^|\.)(run_?name|runName)$/i.test(f))
        .slice(0, MAX_FIELDS);
      if (!fields.length) continue;
      const ids = members.map((m) => m.id);
      const ans = await api.query({ filter: { task_id: { $in: ids } }, projection: ['task_id', 'activity_id', ...fields], limit: ids.length });
      const rows = (ans.rows || []).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined)));
      const labels = siblingLabels(rows);
      for (const r of rows) facts.set(r.task_id, { ...r, _label: labels.get(r.task_id) });
      if (ctx.stale()) return;
      void k;
    }
  }
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

export function legend() {
  return h(
    'div',
    { class: 'legend' },
    h('h4', {}, 'Legend'),
    h('ul', { class: 'plain' }, LEGEND.nodes.map(([k, d]) => h('li', {}, h('span', { class: 'kind-dot ' + k }), ' ', d))),
    h('ul', { class: 'plain inline' }, LEGEND.status.map(([s, c]) => h('li', {}, h('span', { class: 'swatch', style: { background: c } }), ' ', s.toLowerCase()))),
    h('ul', { class: 'plain' }, LEGEND.edges.map(([t, c]) => h('li', {}, h('span', { class: 'edge-swatch ' + t, style: { borderColor: c } }), ' ', t))),
    h('p', { class: 'muted small' }, 'Arrows follow the data: upstream on the left, downstream on the right.')
  );
}
