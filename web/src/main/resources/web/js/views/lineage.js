// #/lineage?id=…&direction=upstream|downstream|both&depth=N[&expand=id…][&limit=M]
// The lineage graph around any task, entity or workflow. Click a node for details; double-click or
// "Expand" merges the lineage rooted there; "Focus" re-roots the view. The URL keeps root and expansions.

import { api } from '../api.js';
import { h, a, link, status, fmtTime, fmtDuration, errorBox, loading, setTitle, text, fill, hue } from '../ui.js';
import { navigate, replaceHash } from '../nav.js';
import { createGraph, LEGEND } from '../graph.js';

const DIRECTIONS = ['upstream', 'both', 'downstream'];

export default async function lineage(main, params, ctx) {
  const id = params.get('id') || '';
  const direction = DIRECTIONS.includes(params.get('direction')) ? params.get('direction') : 'both';
  const depth = Math.max(1, Math.min(50, Number(params.get('depth')) || 2));
  const limit = params.get('limit') || null;
  const expanded = params.getAll('expand');
  setTitle('Lineage', id);

  const idInput = h('input', { type: 'search', class: 'grow', placeholder: 'task, entity or workflow id', value: id, 'aria-label': 'root id', id: 'lineage-id' });
  const depthInput = h('input', { type: 'number', min: 1, max: 50, value: depth, class: 'narrow', 'aria-label': 'depth', id: 'lineage-depth' });
  const dirButtons = DIRECTIONS.map((d) =>
    h('button', { type: 'button', class: `seg ${d === direction ? 'on' : ''}`, dataset: { direction: d }, onclick: () => go({ direction: d }) }, d === 'upstream' ? '← upstream' : d === 'downstream' ? 'downstream →' : 'both')
  );
  const go = (over = {}) =>
    navigate('lineage', { id: idInput.value.trim(), direction, depth: depthInput.value, limit, ...over });
  const find = h('input', { type: 'search', placeholder: 'find in graph', 'aria-label': 'find in graph', class: 'narrow-wide' });
  const findCount = h('span', { class: 'muted small' });
  const toolbar = h(
    'form',
    { class: 'toolbar', onsubmit: (e) => (e.preventDefault(), go()) },
    idInput,
    h('span', { class: 'segmented' }, dirButtons),
    h('label', {}, 'depth ', depthInput),
    h('button', { class: 'btn primary', type: 'submit' }, 'Show'),
    h('span', { class: 'sep' }),
    h('button', { class: 'btn', type: 'button', title: 'fit the graph', onclick: () => graph && graph.fit(), id: 'btn-fit' }, 'Fit'),
    h('button', { class: 'btn', type: 'button', title: 'zoom out', onclick: () => graph && graph.zoom(1 / 1.3), id: 'btn-zoom-out' }, '−'),
    h('button', { class: 'btn', type: 'button', title: 'zoom in', onclick: () => graph && graph.zoom(1.3), id: 'btn-zoom-in' }, '+'),
    h('button', { class: 'btn', type: 'button', title: 'lay out again', onclick: () => graph && graph.layout(true) }, 'Re-layout'),
    h('button', { class: 'btn', type: 'button', title: 'download the graph as PNG', onclick: () => exportPng(), id: 'btn-png' }, '↓ PNG'),
    find,
    findCount
  );
  find.addEventListener('input', () => {
    const n = graph ? graph.highlight(find.value.trim()) : 0;
    findCount.textContent = find.value.trim() ? `${n} match${n === 1 ? '' : 'es'}` : '';
  });

  const canvas = h('div', { class: 'graph', id: 'graph' });
  const side = h('aside', { class: 'side', id: 'side' });
  const info = h('div', { class: 'graph-info', id: 'graph-info' });
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Lineage')), toolbar, h('div', { class: 'graph-layout' }, h('div', { class: 'graph-box' }, canvas, info), side));

  if (!id) {
    side.append(legend());
    canvas.append(
      h('div', { class: 'graph-empty' }, h('p', {}, 'Type a task, entity or workflow id above, or open the lineage from a task or workflow page.'))
    );
    return;
  }

  let graph = null;
  let selected = null;
  let truncated = false;
  const expandedSet = new Set();

  const showInfo = () => {
    fill(info, 
      h(
        'span',
        {},
        h('span', { id: 'node-count' }, `${graph.size} nodes`),
        ' · ',
        `${graph.cy.edges().length} edges`,
        truncated ? h('span', { class: 'warn', id: 'truncated' }, ' · truncated at the server limit: expand nodes, lower the depth or raise limit=') : null
      )
    );
  };

  const selectNode = (d) => {
    selected = d;
    fill(side, d ? nodePanel(d) : summaryPanel());
  };

  function nodePanel(d) {
    const kindLink =
      d.kind === 'task' ? a('tasks', { id: d.id }, 'Open task') : d.kind === 'workflow' ? a('workflows', { id: d.id }, 'Open workflow') : a('report', { id: d.id }, 'Lifecycle report');
    return h(
      'div',
      { class: 'node-panel', id: 'node-panel' },
      h('div', { class: 'kind-tag ' + d.kind }, d.kind),
      h('h3', { class: 'id', id: 'selected-id' }, d.id),
      d.label && d.label !== d.id ? h('div', { class: 'muted' }, d.label) : null,
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
        d.depth != null ? fact('distance', text(d.depth)) : null
      ),
      h(
        'div',
        { class: 'btn-col' },
        h('button', { class: 'btn primary', type: 'button', id: 'btn-expand', disabled: expandedSet.has(d.id) || d.id === id, onclick: () => expand(d) }, expandedSet.has(d.id) || d.id === id ? 'Expanded' : 'Expand here'),
        h('a', { class: 'btn', href: link('lineage', { id: d.id, direction, depth }), id: 'btn-focus' }, 'Focus (new root)'),
        h('button', { class: 'btn', type: 'button', onclick: () => graph.center(d.id) }, 'Center'),
        h('span', { class: 'btn-link' }, kindLink)
      ),
      h('button', { class: 'link-btn', type: 'button', onclick: () => (graph.cy.$(':selected').unselect(), selectNode(null)) }, '← graph summary')
    );
  }

  function summaryPanel() {
    const kinds = {};
    graph.cy.nodes().forEach((n) => (kinds[n.data('kind')] = (kinds[n.data('kind')] || 0) + 1));
    return h(
      'div',
      {},
      h('h3', {}, 'Root'),
      h('p', { class: 'id' }, id),
      h('p', { class: 'muted small' }, `${direction}, depth ${depth}`, expandedSet.size ? `, ${expandedSet.size} expanded` : ''),
      h('ul', { class: 'plain' }, Object.entries(kinds).map(([k, n]) => h('li', {}, h('span', { class: 'kind-dot ' + k }), ` ${n} ${k === 'entity' ? (n === 1 ? 'entity' : 'entities') : k + (n === 1 ? '' : 's')}`))),
      workflowsPanel(),
      h('p', { class: 'muted small' }, 'Click a node for details; double-click to expand it. Scroll to zoom, drag to pan.'),
      legend()
    );
  }

  /** The workflows in the graph with their border colour. */
  function workflowsPanel() {
    const counts = new Map();
    graph.cy.nodes().forEach((n) => {
      const w = n.data('workflow_id');
      if (w && n.data('kind') !== 'workflow') counts.set(w, (counts.get(w) || 0) + 1);
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
          h('li', {}, h('span', { class: 'swatch ring', style: { borderColor: `hsl(${hue(w)}, 55%, 42%)` } }), ' ', a('workflows', { id: w }, w), h('span', { class: 'muted' }, ` · ${n}`))
        )
      )
    );
  }

  async function expand(d) {
    if (expandedSet.has(d.id)) return;
    const btn = document.getElementById('btn-expand');
    if (btn) (btn.disabled = true), (btn.textContent = 'Expanding…');
    try {
      const ans = await api.lineage({ id: d.id, direction, depth: Math.min(depth, 2), limit });
      if (ctx.stale()) return;
      const added = graph.merge(ans.nodes, ans.edges);
      truncated = truncated || !!ans.truncated;
      expandedSet.add(d.id);
      graph.mark(d.id, 'expanded');
      graph.layout(true);
      graph.select(d.id);
      replaceHash('lineage', { id, direction, depth, limit, expand: [...expandedSet] });
      showInfo();
      selectNode({ ...d });
      info.append(h('span', { class: 'muted', id: 'expand-note' }, ` · expanded ${d.label || d.id}: +${added} nodes`));
    } catch (e) {
      side.prepend(errorBox(e));
      if (btn) (btn.disabled = false), (btn.textContent = 'Expand here');
    }
  }

  function exportPng() {
    const blob = graph.png();
    const url = URL.createObjectURL(blob);
    const link2 = h('a', { href: url, download: `lineage-${id.replace(/[^\w.-]+/g, '_').slice(0, 60)}.png` });
    document.body.append(link2);
    link2.click();
    link2.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  canvas.append(loading('Loading lineage'));
  const t0 = performance.now();
  let root;
  try {
    root = await api.lineage({ id, direction, depth, limit });
  } catch (e) {
    fill(canvas, h('div', { class: 'graph-empty' }, errorBox(e)));
    return;
  }
  if (ctx.stale()) return;
  const fetched = performance.now();
  fill(canvas);
  graph = createGraph(canvas, { select: selectNode, expand });
  window.midaGraph = graph; // handle for debugging from the console (and the browser tests)
  graph.set(root.nodes, root.edges);
  truncated = !!root.truncated;
  for (const x of expanded) {
    try {
      const ans = await api.lineage({ id: x, direction, depth: Math.min(depth, 2), limit });
      if (ctx.stale()) return;
      graph.merge(ans.nodes, ans.edges);
      truncated = truncated || !!ans.truncated;
      expandedSet.add(x);
    } catch (e) {
      side.prepend(errorBox(e));
    }
  }
  graph.layout(false);
  graph.mark(id, 'root');
  expandedSet.forEach((x) => graph.mark(x, 'expanded'));
  showInfo();
  selectNode(null);
  canvas.dataset.renderMs = String(Math.round(performance.now() - t0));
  canvas.dataset.fetchMs = String(Math.round(fetched - t0));
  canvas.dataset.ready = 'true';
  if (!root.nodes.length) canvas.append(h('div', { class: 'graph-empty' }, 'No lineage for this id.'));
  return () => {
    if (window.midaGraph === graph) delete window.midaGraph;
    graph.destroy();
  };
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
