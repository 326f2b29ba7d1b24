// #/timeline?workflow_id=…[&by=host|worker|activity] — a workflow's tasks as a Gantt chart (one lane per host,
// worker or activity; overlapping tasks stack in rows), with CPU / memory / GPU telemetry under it, from
// each task's telemetry_at_start (at its start) and telemetry_at_end (at its end), drawn as one segment per
// task. Click a bar for links to
// the task and its lineage. Tasks are read a page at a time, at most MAX_TASKS.

import { api } from '../api.js';
import { h, a, link, svg, fill, errorBox, loading, setTitle, fmtTime, fmtDuration, fmtNumber, status } from '../ui.js';
import { navigate } from '../nav.js';
import { ganttLanes, telemetrySeries, timeTicks, numericPaths, at, defaultSeries } from '../lineage-model.js';

const PAGE = 1000;
const MAX_TASKS = 5000;
const STATUS_COLORS = { FINISHED: '#5fb37d', RUNNING: '#5b8def', ERROR: '#e05d5d', SUBMITTED: '#b8a9d9', WAITING: '#e0b64b', UNKNOWN: '#a8afbd' };
const SERIES_COLORS = ['#d9534f', '#3b7dd8', '#2a9d5c', '#a05ec9'];
const LANES = {
  host: (t) => t.hostname || '(no host)',
  worker: (t) => t.worker ?? t.worker_id ?? t.node_id ?? at(t, 'custom_metadata.worker') ?? t.hostname ?? '(no worker)',
  activity: (t) => t.activity_id || '(no activity)',
};

export default async function timeline(main, params, ctx) {
  const wid = params.get('workflow_id') || '';
  const by = LANES[params.get('by')] ? params.get('by') : 'host';
  setTitle('Timeline', wid);
  const idInput = h('input', { type: 'search', class: 'grow', value: wid, placeholder: 'workflow id', 'aria-label': 'workflow id', id: 'timeline-id' });
  const bySelect = h(
    'select',
    { id: 'timeline-by', 'aria-label': 'lanes by', onchange: () => navigate('timeline', { workflow_id: wid, by: bySelect.value }) },
    Object.keys(LANES).map((k) => h('option', { value: k, selected: k === by }, `lanes by ${k}`))
  );
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Timeline'), wid ? h('div', { class: 'actions' }, a('workflows', { id: wid }, 'Workflow'), ' ', a('lineage', { id: wid, direction: 'both', depth: 2 }, 'Lineage')) : null),
    h('form', { class: 'toolbar', onsubmit: (e) => (e.preventDefault(), navigate('timeline', { workflow_id: idInput.value.trim(), by })) }, idInput, bySelect, h('button', { class: 'btn primary', type: 'submit' }, 'Show'))
  );
  const body = h('section', { class: 'panel timeline', id: 'timeline' });
  main.append(body);
  if (!wid) {
    body.append(h('p', { class: 'muted' }, 'Give a workflow id: its tasks are drawn over time, one lane per host, with their telemetry under them.'));
    return;
  }
  body.append(loading('Loading tasks'));
  const tasks = [];
  let more = false;
  try {
    for (let offset = 0; offset < MAX_TASKS; offset += PAGE) {
      const page = await api.workflowTasks(wid, { limit: PAGE, offset });
      if (ctx.stale()) return;
      tasks.push(...page.tasks);
      if (page.tasks.length < PAGE) break;
      if (offset + PAGE >= MAX_TASKS) more = true;
    }
  } catch (e) {
    fill(body, errorBox(e));
    return;
  }
  const g = ganttLanes(tasks, { laneKey: LANES[by] });
  if (!g.lanes.length) {
    fill(body, h('p', { class: 'empty', id: 'timeline-empty' }, tasks.length ? `None of the ${tasks.length} tasks has a start time.` : 'This workflow has no tasks.'));
    return;
  }
  const paths = [...new Set(tasks.flatMap((t) => [...numericPaths(t.telemetry_at_start), ...numericPaths(t.telemetry_at_end)]))].sort();
  const chosen = params.getAll('series').filter((p) => paths.includes(p));
  const series = chosen.length ? chosen : defaultSeries(paths);

  const width = Math.max(640, (main.clientWidth || 1200) - 40);
  const left = 150;
  const right = 16;
  const span = Math.max(1e-6, g.to - g.from);
  const x = (t) => left + ((t - g.from) / span) * (width - left - right);
  const rowH = 14;
  const chosenBox = h('div', { class: 'small', id: 'timeline-selected' }, 'Click a bar for its task and lineage.');

  // the Gantt chart
  let y = 22;
  const parts = [];
  const ticks = timeTicks(g.from, g.to, 8);
  for (const t of ticks) parts.push(svg('line', { x1: x(t), x2: x(t), y1: 14, y2: '100%', stroke: '#eef0f5' }), svg('text', { x: x(t), y: 10, class: 'axis', 'text-anchor': 'middle' }, fmtOffset(t - g.from)));
  let bars = 0;
  for (const lane of g.lanes) {
    const h0 = y;
    parts.push(svg('text', { x: 6, y: y + 11, class: 'lane-label' }, lane.key.length > 22 ? lane.key.slice(0, 21) + '…' : lane.key, svg('title', {}, lane.key)));
    for (const row of lane.rows) {
      for (const t of row) {
        const w = Math.max(2, x(t._end) - x(t._start));
        const s = (t.status || 'UNKNOWN').toUpperCase();
        const bar = svg(
          'rect',
          { x: x(t._start), y: y + 1, width: w, height: rowH - 3, rx: 2, fill: STATUS_COLORS[s] || STATUS_COLORS.UNKNOWN, class: 'bar', 'data-task-id': t.task_id },
          svg('title', {}, `${t.activity_id || ''} ${t.task_id}\n${s} · ${fmtDuration(t._end - t._start)}`)
        );
        bar.addEventListener('click', () => select(t));
        parts.push(bar);
        bars++;
      }
      y += rowH;
    }
    parts.push(svg('line', { x1: 0, x2: width, y1: y + 2, y2: y + 2, stroke: '#d5d9e2' }));
    y += 5;
    void h0;
  }
  const gantt = svg('svg', { width, height: y + 4, viewBox: `0 0 ${width} ${y + 4}`, id: 'gantt', role: 'img', 'aria-label': `${bars} tasks on ${g.lanes.length} lanes` }, parts);

  // telemetry under it, on the same time axis
  const charts = series.map((p, i) => chart(p, telemetrySeries(tasks, p, at), SERIES_COLORS[i % SERIES_COLORS.length]));
  function chart(path, pts, color) {
    const H = 90;
    const vals = pts.map((q) => q.v);
    const lo = Math.min(0, ...vals);
    const hi = Math.max(lo + 1e-9, ...vals);
    const yv = (v) => H - 14 - ((v - lo) / (hi - lo)) * (H - 24);
    // one segment per task, from its value at start to its value at end: no line joins two tasks
    const byTask = new Map();
    for (const q of pts) (byTask.get(q.task_id) || byTask.set(q.task_id, []).get(q.task_id)).push(q);
    const line = [...byTask.values()]
      .filter((qs) => qs.length > 1)
      .map((qs) => qs.map((q, k) => `${k ? 'L' : 'M'}${x(q.t).toFixed(1)},${yv(q.v).toFixed(1)}`).join(' '))
      .join(' ');
    return h(
      'div',
      { class: 'telemetry', dataset: { series: path } },
      svg(
        'svg',
        { width, height: H, viewBox: `0 0 ${width} ${H}` },
        svg('text', { x: 6, y: 14, class: 'lane-label' }, path),
        svg('text', { x: 6, y: 28, class: 'axis' }, `max ${fmtNumber(hi)}`),
        svg('text', { x: 6, y: H - 14, class: 'axis' }, `min ${fmtNumber(lo)}`),
        svg('line', { x1: left, x2: width - right, y1: H - 14, y2: H - 14, stroke: '#d5d9e2' }),
        line ? svg('path', { d: line, class: 'series', stroke: color }) : null,
        pts.length ? null : svg('text', { x: left + 8, y: H / 2, class: 'axis' }, 'no values'),
        pts.map((q) => svg('circle', { cx: x(q.t), cy: yv(q.v), r: 2, fill: color }, svg('title', {}, `${q.task_id}: ${fmtNumber(q.v)}`)))
      )
    );
  }
  const seriesPick = paths.length
    ? h(
        'select',
        { multiple: true, size: Math.min(6, paths.length), id: 'timeline-series', 'aria-label': 'telemetry series', onchange: () => navigate('timeline', { workflow_id: wid, by, series: [...seriesPick.selectedOptions].map((o) => o.value) }) },
        paths.map((p) => h('option', { value: p, selected: series.includes(p) }, p))
      )
    : null;

  function select(t) {
    fill(
      chosenBox,
      status(t.status),
      ' ',
      h('strong', {}, t.activity_id || ''),
      ' ',
      h('code', {}, t.task_id),
      ` · ${fmtTime(t._start)} · ${fmtDuration(t._end - t._start)}${t.hostname ? ' · ' + t.hostname : ''} · `,
      h('a', { href: link('tasks', { id: t.task_id }), id: 'timeline-task-link' }, 'Open task'),
      ' · ',
      h('a', { href: link('lineage', { id: t.task_id, direction: 'both', depth: 2 }), id: 'timeline-lineage-link' }, 'Lineage')
    );
  }

  fill(
    body,
    h(
      'p',
      { class: 'muted small', id: 'timeline-summary' },
      `${bars} tasks on ${g.lanes.length} lane${g.lanes.length === 1 ? '' : 's'} from ${fmtTime(g.from)} over ${fmtDuration(span)}`,
      g.skipped ? ` · ${g.skipped} without a start time left out` : '',
      more ? ` · only the first ${MAX_TASKS} tasks are drawn` : ''
    ),
    h('div', { class: 'legend-row' }, Object.entries(STATUS_COLORS).map(([s, c]) => h('span', {}, h('span', { class: 'swatch', style: { background: c } }), ' ', s.toLowerCase()))),
    gantt,
    chosenBox,
    h('h3', {}, 'Telemetry'),
    charts.length ? charts : h('p', { class: 'muted', id: 'timeline-no-telemetry' }, 'These tasks recorded no numeric telemetry.'),
    seriesPick ? h('label', { class: 'small' }, 'series (ctrl-click for several) ', seriesPick) : null
  );
  body.dataset.ready = 'true';
}

function fmtOffset(s) {
  if (s === 0) return '0';
  return '+' + fmtDuration(s);
}
