// #/analysis?workflow_id=…&method=pearson|spearman&activity_id=…&status=any — correlations between a
// workflow's task parameters, results and telemetry as a heatmap (the paper's Fig. 4), plus the strongest
// pairs; filtered by activity, failed runs included on request; a click on a cell draws the scatter plot of
// the pair, each point a link to its task.

import { api } from '../api.js';
import { h, svg, a, text, fmtNumber, errorBox, loading, setTitle, fill } from '../ui.js';
import { navigate } from '../nav.js';
import { columnLabel, fieldParts, formatValue } from '../lib/tables.js';

export default async function analysis(main, params, ctx) {
  const workflow_id = params.get('workflow_id') || '';
  const method = params.get('method') === 'spearman' ? 'spearman' : 'pearson';
  const activity_id = params.get('activity_id') || '';
  const anyStatus = params.get('status') === 'any';
  const here = { workflow_id, method, activity_id: activity_id || null, status: anyStatus ? 'any' : null };
  setTitle('Correlations', workflow_id);
  const picker = h('select', { 'aria-label': 'workflow', id: 'analysis-workflow', onchange: () => navigate('analysis', { workflow_id: picker.value, method }) }, h('option', { value: '' }, 'choose a workflow…'));
  const methodBtns = ['pearson', 'spearman'].map((m) =>
    h('button', { type: 'button', class: `seg ${m === method ? 'on' : ''}`, onclick: () => navigate('analysis', { ...here, method: m }) }, m)
  );
  const activityPick = h(
    'select',
    { 'aria-label': 'activity', id: 'analysis-activity', onchange: () => navigate('analysis', { ...here, activity_id: activityPick.value || null }) },
    h('option', { value: '' }, 'all activities'),
    activity_id ? h('option', { value: activity_id, selected: true }, activity_id) : null
  );
  const failedBox = h('input', { type: 'checkbox', id: 'include-failed', checked: anyStatus, onchange: () => navigate('analysis', { ...here, status: failedBox.checked ? 'any' : null }) });
  const body = h('section', { class: 'panel', id: 'analysis-body' });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Correlations'), workflow_id ? h('div', { class: 'actions' }, a('workflows', { id: workflow_id }, 'Open workflow')) : null),
    h(
      'div',
      { class: 'toolbar' },
      h('label', {}, 'Workflow ', picker),
      h('label', {}, 'Activity ', activityPick),
      h('label', { title: 'by default only FINISHED tasks are correlated' }, failedBox, ' include failed runs'),
      h('span', { class: 'segmented' }, methodBtns)
    ),
    body
  );
  api
    .workflows({ limit: 1000 })
    .then(({ workflows }) => {
      for (const w of workflows)
        picker.append(h('option', { value: w.workflow_id, selected: w.workflow_id === workflow_id }, w.name ? `${w.name} — ${w.workflow_id}` : w.workflow_id));
    })
    .catch(() => {});
  if (workflow_id)
    api
      .query({ from: 'tasks', filter: { workflow_id }, projection: ['activity_id'], aggregation: [['count', '*']], sort: [['activity_id', 'ascending']], limit: 200 })
      .then(({ rows }) => {
        for (const r of rows || [])
          if (r.activity_id && r.activity_id !== activity_id) activityPick.append(h('option', { value: r.activity_id }, `${r.activity_id} (${r['count(*)']})`));
      })
      .catch(() => {});
  if (!workflow_id) {
    body.append(h('p', { class: 'muted' }, 'Pick a workflow: its tasks\' numeric parameters (used.*), results (generated.*) and telemetry are correlated pairwise.'));
    return;
  }
  body.append(loading('Computing correlations'));
  let ans;
  try {
    ans = await api.correlationWith({ workflow_id, activity_id: activity_id || null, status: anyStatus ? 'any' : null });
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
  const scatterBox = h('div', { class: 'scatter-wrap', id: 'scatter' });
  const pick = (i, j) => scatter(scatterBox, vars[i].name, vars[j].name, matrix[i] ? matrix[i][j] : null, { workflow_id, activity_id, anyStatus, method }, ctx);
  fill(body,
    h('div', { class: 'panel-head' }, h('h2', {}, `${method[0].toUpperCase()}${method.slice(1)} correlation of ${vars.length} variables`), ans.tasks != null ? h('span', { class: 'muted' }, `${fmtNumber(ans.tasks)} ${anyStatus ? '' : 'finished '}tasks${activity_id ? ` of ${activity_id}` : ''}`) : null),
    ans.note ? h('p', { class: 'muted' }, ans.note) : null,
    h('p', { class: 'muted small' }, 'Click a cell for the scatter plot of the pair. Labels: parameters and results by name, telemetry with (start) or (end).'),
    h('div', { class: 'heatmap-wrap' }, heatmap(vars, matrix, pick), scale(), h('div', { class: 'top-wrap' }, top(ans.top || [], method), dropped)),
    scatterBox
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

function heatmap(vars, m, pick) {
  const n = vars.length;
  const cell = Math.max(14, Math.min(40, Math.floor(480 / n)));
  const labelW = Math.min(220, 12 + 6.5 * Math.max(...vars.map((v) => short(varLabel(v.name)).length)));
  const topH = Math.round(labelW * 0.85);
  const size = n * cell;
  const tip = svg('title');
  const root = svg('svg', { class: 'heatmap', id: 'heatmap', width: labelW + size + Math.round(labelW * 0.6), height: topH + size + 10, role: 'img', 'aria-label': 'correlation heatmap' });
  const g = svg('g', { transform: `translate(${labelW},${topH})` });
  root.append(g);
  vars.forEach((v, i) => {
    g.append(svg('text', { x: -6, y: i * cell + cell / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'hm-label' }, svg('title', {}, v.name), short(varLabel(v.name))));
    g.append(svg('text', { transform: `translate(${i * cell + cell / 2},-6) rotate(-55)`, 'text-anchor': 'start', 'dominant-baseline': 'middle', class: 'hm-label' }, svg('title', {}, v.name), short(varLabel(v.name))));
    for (let j = 0; j < n; j++) {
      const r = m[i] ? m[i][j] : null;
      const rect = svg('rect', { x: j * cell, y: i * cell, width: cell - 1, height: cell - 1, fill: color(r), class: 'hm-cell', 'data-r': r === null || r === undefined ? '' : r, 'data-x': v.name, 'data-y': vars[j].name });
      // the coefficient as computed, never rounded away or clipped: the colour saturates at ±1, the number does not
      rect.append(svg('title', {}, `${v.name} × ${vars[j].name}: ${r === null || r === undefined ? 'n/a (constant or too few values)' : String(r)}`));
      if (pick)
        rect.addEventListener('click', () => {
          root.querySelectorAll('rect.hm-cell.sel').forEach((x) => x.classList.remove('sel'));
          rect.classList.add('sel');
          pick(i, j);
        });
      g.append(rect);
      if (cell >= 30 && r !== null && r !== undefined)
        g.append(svg('text', { x: j * cell + cell / 2, y: i * cell + cell / 2, 'text-anchor': 'middle', 'dominant-baseline': 'middle', class: 'hm-value', fill: Math.abs(r) > 0.6 ? '#fff' : '#1f2a44' }, r.toFixed(2)));
    }
  });
  root.append(tip);
  return root;
}

/** A variable's label: parameters and results by name, telemetry with (start) / (end), others as named. */
export function varLabel(name) {
  const { group } = fieldParts(name);
  const label = columnLabel(name);
  return group === 'param' || group === 'result' || group === 'start' || group === 'end' ? label : name;
}

function short(s) {
  return s.length > 30 ? s.slice(0, 10) + '…' + s.slice(-19) : s;
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
                  ? h('td', { class: 'num' }, h('span', { class: 'swatch', style: { background: Math.abs(x[c]) <= 1 ? color(x[c]) : 'transparent' } }), ' ', formatValue(x[c]))
                  : h('td', { title: typeof x[c] === 'string' ? x[c] : null }, typeof x[c] === 'string' && /^(used|generated|telemetry_at_start|telemetry_at_end)\./.test(x[c]) ? varLabel(x[c]) : text(x[c]))
              )
            )
          )
        )
      )
    ),
    h('p', { class: 'muted small' }, `Ranked by |${method}| in the server's answer.`)
  );
}

/** The scatter plot of two variables over the same tasks as the heatmap; each point links to its task. */
async function scatter(box, xName, yName, r, { workflow_id, activity_id, anyStatus, method }, ctx) {
  fill(box, loading('Loading the pair'));
  const filter = { workflow_id, [xName]: { $exists: true }, [yName]: { $exists: true } };
  if (activity_id) filter.activity_id = activity_id;
  if (!anyStatus) filter.status = 'FINISHED';
  let rows;
  try {
    ({ rows } = await api.query({ from: 'tasks', projection: ['task_id', 'status', xName, yName], filter, sort: [['task_id', 'ascending']], limit: 5000 }));
  } catch (e) {
    if (!ctx.stale()) fill(box, errorBox(e));
    return;
  }
  if (ctx.stale()) return;
  const pts = (rows || []).filter((p) => typeof p[xName] === 'number' && typeof p[yName] === 'number' && isFinite(p[xName]) && isFinite(p[yName]));
  const W = 560, H = 360, L = 70, B = 46, T = 14, R = 16;
  const ext = (k) => {
    let lo = Math.min(...pts.map((p) => p[k])), hi = Math.max(...pts.map((p) => p[k]));
    if (!isFinite(lo)) lo = 0, hi = 1;
    if (lo === hi) lo -= 0.5, hi += 0.5;
    const pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = ext(xName), [y0, y1] = ext(yName);
  const sx = (v) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v) => H - B - ((v - y0) / (y1 - y0)) * (H - B - T);
  const ticks = (lo, hi) => [0, 0.25, 0.5, 0.75, 1].map((f) => lo + (hi - lo) * f);
  const plot = svg(
    'svg',
    { class: 'scatter', id: 'scatter-plot', width: W, height: H, role: 'img', 'aria-label': `${xName} against ${yName}` },
    svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }),
    svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
    ticks(x0, x1).map((v) => svg('text', { x: sx(v), y: H - B + 14, 'text-anchor': 'middle' }, formatValue(v))),
    ticks(y0, y1).map((v) => svg('text', { x: L - 6, y: sy(v), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, formatValue(v))),
    svg('text', { x: (L + W - R) / 2, y: H - 8, 'text-anchor': 'middle' }, varLabel(xName)),
    svg('text', { transform: `translate(14,${(T + H - B) / 2}) rotate(-90)`, 'text-anchor': 'middle' }, varLabel(yName)),
    pts.map((p) => {
      const link = svg('a', { href: '#/tasks?id=' + encodeURIComponent(p.task_id), class: 'pt-link', 'data-task-id': p.task_id });
      link.append(
        svg('circle', { class: `pt ${p.status === 'ERROR' ? 'err' : ''}`, cx: sx(p[xName]), cy: sy(p[yName]), r: 5 }, svg('title', {}, `${p.task_id}\n${xName} = ${formatValue(p[xName])}\n${yName} = ${formatValue(p[yName])}`))
      );
      return link;
    })
  );
  fill(
    box,
    h('h3', {}, varLabel(xName), ' × ', varLabel(yName), h('span', { class: 'muted' }, ` — ${method} r = ${r === null || r === undefined ? 'n/a' : String(r)}, ${pts.length} tasks`)),
    pts.length ? plot : h('p', { class: 'empty' }, 'No task has both values.')
  );
  box.scrollIntoView({ block: 'nearest' });
}
