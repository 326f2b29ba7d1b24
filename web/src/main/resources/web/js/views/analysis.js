// #/analysis?workflow_id=…&method=pearson|spearman — correlations between a workflow's task parameters,
// results and telemetry as a heatmap (the paper's Fig. 4), plus the strongest pairs.

import { api } from '../api.js';
import { h, svg, a, text, fmtNumber, errorBox, loading, setTitle, fill } from '../ui.js';
import { navigate } from '../nav.js';

export default async function analysis(main, params, ctx) {
  const workflow_id = params.get('workflow_id') || '';
  const method = params.get('method') === 'spearman' ? 'spearman' : 'pearson';
  setTitle('Correlations', workflow_id);
  const picker = h('select', { 'aria-label': 'workflow', id: 'analysis-workflow', onchange: () => navigate('analysis', { workflow_id: picker.value, method }) }, h('option', { value: '' }, 'choose a workflow…'));
  const methodBtns = ['pearson', 'spearman'].map((m) =>
    h('button', { type: 'button', class: `seg ${m === method ? 'on' : ''}`, onclick: () => navigate('analysis', { workflow_id, method: m }) }, m)
  );
  const body = h('section', { class: 'panel', id: 'analysis-body' });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Correlations'), workflow_id ? h('div', { class: 'actions' }, a('workflows', { id: workflow_id }, 'Open workflow')) : null),
    h('div', { class: 'toolbar' }, h('label', {}, 'Workflow ', picker), h('span', { class: 'segmented' }, methodBtns)),
    body
  );
  api
    .workflows({ limit: 1000 })
    .then(({ workflows }) => {
      for (const w of workflows)
        picker.append(h('option', { value: w.workflow_id, selected: w.workflow_id === workflow_id }, w.name ? `${w.name} — ${w.workflow_id}` : w.workflow_id));
    })
    .catch(() => {});
  if (!workflow_id) {
    body.append(h('p', { class: 'muted' }, 'Pick a workflow: its tasks\' numeric parameters (used.*), results (generated.*) and telemetry are correlated pairwise.'));
    return;
  }
  body.append(loading('Computing correlations'));
  let ans;
  try {
    ans = await api.correlation(workflow_id);
  } catch (e) {
    fill(body, errorBox(e));
    return;
  }
  if (ctx.stale()) return;
  const vars = (ans.variables || []).map((v) => (typeof v === 'string' ? { name: v } : v));
  const matrix = ans[method] || [];
  const dropped = (ans.dropped || []).length
    ? h(
        'details',
        { class: 'dropped' },
        h('summary', { class: 'muted' }, `${ans.dropped.length} variable${ans.dropped.length === 1 ? '' : 's'} left out`),
        h('ul', { class: 'plain small' }, ans.dropped.map((d) => h('li', {}, h('code', {}, d.name), ` — ${d.reason || ''}`, d.n != null ? ` (n = ${d.n})` : '')))
      )
    : null;
  if (vars.length < 2) {
    fill(body, h('p', { class: 'empty' }, ans.note || 'No numeric variables to correlate in this workflow.'), dropped);
    return;
  }
  fill(body, 
    h('div', { class: 'panel-head' }, h('h2', {}, `${method[0].toUpperCase()}${method.slice(1)} correlation of ${vars.length} variables`), ans.tasks != null ? h('span', { class: 'muted' }, `${fmtNumber(ans.tasks)} tasks`) : null),
    ans.note ? h('p', { class: 'muted' }, ans.note) : null,
    h('div', { class: 'heatmap-wrap' }, heatmap(vars, matrix), scale(), h('div', { class: 'top-wrap' }, top(ans.top || [], method), dropped))
  );
}

/** Diverging blue (−1) – white (0) – red (+1). */
export function color(r) {
  if (r === null || r === undefined || isNaN(r)) return '#e6e8ee';
  const t = Math.max(-1, Math.min(1, r));
  const [c0, c1] = t < 0 ? [[255, 255, 255], [49, 104, 178]] : [[255, 255, 255], [200, 55, 50]];
  const k = Math.abs(t);
  const mix = c0.map((x, i) => Math.round(x + (c1[i] - x) * k));
  return `rgb(${mix.join(',')})`;
}

function heatmap(vars, m) {
  const n = vars.length;
  const cell = Math.max(14, Math.min(40, Math.floor(480 / n)));
  const labelW = Math.min(200, 12 + 6.5 * Math.max(...vars.map((v) => v.name.length)));
  const topH = Math.round(labelW * 0.85);
  const size = n * cell;
  const tip = svg('title');
  const root = svg('svg', { class: 'heatmap', id: 'heatmap', width: labelW + size + Math.round(labelW * 0.6), height: topH + size + 10, role: 'img', 'aria-label': 'correlation heatmap' });
  const g = svg('g', { transform: `translate(${labelW},${topH})` });
  root.append(g);
  vars.forEach((v, i) => {
    g.append(svg('text', { x: -6, y: i * cell + cell / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'hm-label' }, short(v.name)));
    g.append(svg('text', { transform: `translate(${i * cell + cell / 2},-6) rotate(-55)`, 'text-anchor': 'start', 'dominant-baseline': 'middle', class: 'hm-label' }, short(v.name)));
    for (let j = 0; j < n; j++) {
      const r = m[i] ? m[i][j] : null;
      const rect = svg('rect', { x: j * cell, y: i * cell, width: cell - 1, height: cell - 1, fill: color(r), class: 'hm-cell', 'data-r': r === null || r === undefined ? '' : r });
      rect.append(svg('title', {}, `${v.name} × ${vars[j].name}: ${r === null || r === undefined ? 'n/a (constant or too few values)' : r.toFixed(3)}`));
      g.append(rect);
      if (cell >= 30 && r !== null && r !== undefined)
        g.append(svg('text', { x: j * cell + cell / 2, y: i * cell + cell / 2, 'text-anchor': 'middle', 'dominant-baseline': 'middle', class: 'hm-value', fill: Math.abs(r) > 0.6 ? '#fff' : '#1f2a44' }, r.toFixed(2)));
    }
  });
  root.append(tip);
  return root;
}

function short(s) {
  return s.length > 28 ? s.slice(0, 10) + '…' + s.slice(-17) : s;
}

function scale() {
  const stops = [];
  for (let i = 0; i <= 20; i++) stops.push(svg('stop', { offset: `${i * 5}%`, 'stop-color': color(1 - i / 10) }));
  return h(
    'div',
    { class: 'hm-scale' },
    svg(
      'svg',
      { width: 36, height: 220 },
      svg('defs', {}, svg('linearGradient', { id: 'hm-grad', x1: 0, y1: 0, x2: 0, y2: 1 }, stops)),
      svg('rect', { x: 0, y: 10, width: 14, height: 200, fill: 'url(#hm-grad)', stroke: '#ccd' }),
      svg('text', { x: 18, y: 14, class: 'hm-label' }, '+1'),
      svg('text', { x: 18, y: 112, class: 'hm-label' }, '0'),
      svg('text', { x: 18, y: 210, class: 'hm-label' }, '−1')
    )
  );
}

function top(items, method) {
  if (!items.length) return null;
  const other = method === 'pearson' ? 'spearman' : 'pearson';
  const cols = [...new Set(items.flatMap((x) => Object.keys(x)))].filter((c) => c !== other);
  return h(
    'div',
    {},
    h('h3', {}, 'Strongest correlations'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'grid', id: 'top-correlations' },
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c)))),
        h(
          'tbody',
          {},
          items.slice(0, 12).map((x) =>
            h(
              'tr',
              {},
              cols.map((c) =>
                typeof x[c] === 'number'
                  ? h('td', { class: 'num' }, h('span', { class: 'swatch', style: { background: Math.abs(x[c]) <= 1 ? color(x[c]) : 'transparent' } }), ' ', fmtNumber(x[c]))
                  : h('td', {}, text(x[c]))
              )
            )
          )
        )
      )
    ),
    h('p', { class: 'muted small' }, `Ranked by |${method}| in the server's answer.`)
  );
}
