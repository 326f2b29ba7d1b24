// #/overview?campaign_id=… — which workflow feeds which (through shared entities), as a graph.

import { api } from '../api.js';
import { h, a, link, fmtNumber, errorBox, loading, setTitle, fill } from '../ui.js';
import { navigate } from '../nav.js';
import { createGraph } from '../graph.js';

export default async function overview(main, params, ctx) {
  const campaign_id = params.get('campaign_id') || '';
  setTitle('Workflow graph', campaign_id);
  const select = h('select', { 'aria-label': 'campaign', id: 'overview-campaign', onchange: () => navigate('overview', { campaign_id: select.value }) }, h('option', { value: '' }, 'all campaigns'));
  api
    .campaigns()
    .then(({ campaigns }) => {
      for (const c of campaigns) select.append(h('option', { value: c.campaign_id, selected: c.campaign_id === campaign_id }, c.campaign_id));
    })
    .catch(() => {});
  const canvas = h('div', { class: 'graph', id: 'graph' });
  const side = h('aside', { class: 'side', id: 'side' });
  let graph = null;
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Workflow graph'), h('p', { class: 'muted' }, 'An edge means a workflow used entities another workflow generated; its width grows with their number.')),
    h(
      'div',
      { class: 'toolbar' },
      h('label', {}, 'Campaign ', select),
      h('span', { class: 'sep' }),
      h('button', { class: 'btn', type: 'button', onclick: () => graph && graph.fit() }, 'Fit'),
      h('button', { class: 'btn', type: 'button', onclick: () => graph && graph.zoom(1 / 1.3) }, '−'),
      h('button', { class: 'btn', type: 'button', onclick: () => graph && graph.zoom(1.3) }, '+'),
      h('button', { class: 'btn', type: 'button', onclick: () => graph && save(graph.png()) }, '↓ PNG'),
      campaign_id ? h('a', { class: 'btn', href: api.provUrl('campaigns', campaign_id), download: '' }, '↓ PROV-JSON') : null
    ),
    h('div', { class: 'graph-layout' }, h('div', { class: 'graph-box' }, canvas), side)
  );
  canvas.append(loading('Loading workflows'));
  let ans;
  try {
    ans = await api.workflowOverview({ campaign_id });
  } catch (e) {
    fill(canvas, h('div', { class: 'graph-empty' }, errorBox(e)));
    return;
  }
  if (ctx.stale()) return;
  fill(canvas);
  const nodes = (ans.nodes || []).map((n) => ({ ...n, kind: 'workflow', workflow_id: n.workflow_id || n.id, label: n.label || n.name || n.id }));
  // feeder → consumer; an edge typed with a PROV relation points the other way
  const edges = (ans.edges || []).map((e) =>
    e.type && e.type !== 'feeds' ? { ...e, source: e.target, target: e.source, type: 'feeds' } : { ...e, type: 'feeds' }
  );
  const panel = (d) => {
    if (!d) {
      fill(side, 
        h('h3', {}, `${nodes.length} workflow${nodes.length === 1 ? '' : 's'}`),
        h('p', { class: 'muted small' }, `${edges.length} feed relation${edges.length === 1 ? '' : 's'}. Click a workflow for details, double-click to open it.`),
        h(
          'ul',
          { class: 'plain' },
          nodes.map((n) =>
            h('li', {}, h('span', { class: 'kind-dot workflow' }), ' ', a('workflows', { id: n.id }, n.label || n.id), n.task_count != null ? h('span', { class: 'muted' }, ` · ${fmtNumber(n.task_count)} tasks`) : null)
          )
        )
      );
      return;
    }
    const ins = edges.filter((e) => e.target === d.id);
    const outs = edges.filter((e) => e.source === d.id);
    fill(side, 
      h('div', { class: 'kind-tag workflow' }, 'workflow'),
      h('h3', { class: 'id' }, d.id),
      d.label && d.label !== d.id ? h('div', { class: 'muted' }, d.label) : null,
      h('p', {}, d.task_count != null ? `${fmtNumber(d.task_count)} tasks` : ''),
      h('h4', {}, 'Fed by'),
      ins.length ? h('ul', { class: 'plain' }, ins.map((e) => h('li', {}, a('workflows', { id: e.source }, e.source), e.entities != null ? ` (${e.entities})` : ''))) : h('p', { class: 'muted' }, 'none'),
      h('h4', {}, 'Feeds'),
      outs.length ? h('ul', { class: 'plain' }, outs.map((e) => h('li', {}, a('workflows', { id: e.target }, e.target), e.entities != null ? ` (${e.entities})` : ''))) : h('p', { class: 'muted' }, 'none'),
      h(
        'div',
        { class: 'btn-col' },
        h('a', { class: 'btn primary', href: link('workflows', { id: d.id }) }, 'Open workflow'),
        h('a', { class: 'btn', href: link('lineage', { id: d.id, direction: 'both', depth: 2 }) }, 'Lineage'),
        h('a', { class: 'btn', href: api.provUrl('workflows', d.id), download: '' }, '↓ PROV-JSON')
      )
    );
  };
  graph = createGraph(canvas, { select: panel, expand: (d) => navigate('workflows', { id: d.id }) });
  window.midaGraph = graph;
  graph.set(nodes, edges);
  graph.layout(false);
  panel(null);
  canvas.dataset.ready = 'true';
  if (!nodes.length) canvas.append(h('div', { class: 'graph-empty' }, 'No workflows yet.'));
  return () => {
    if (window.midaGraph === graph) delete window.midaGraph;
    graph.destroy();
  };
}

function save(blob) {
  const url = URL.createObjectURL(blob);
  const el = h('a', { href: url, download: 'workflows.png' });
  document.body.append(el);
  el.click();
  el.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
