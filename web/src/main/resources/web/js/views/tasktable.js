// The task table of a campaign or workflow page: columns from the fields its tasks really have
// (GET /api/fields), sort by any column on the server (the DSL; NaN and missing last), a filter bar that
// builds the DSL filter (shown and editable), top-K, CSV export, entity cells as links; and the failed-runs
// view (view=failed): each ERROR task's stderr head and one click to the raw data upstream.
// State lives in the page's URL: col (repeated), sort, dir, filter (bar text) or dsl (JSON), k, offset, view.

import { api } from '../api.js';
import { h, a, link, status, fmtTime, fmtDuration, loading, errorBox, fill } from '../ui.js';
import { navigate } from '../nav.js';
import {
  columnLabel,
  defaultColumns,
  fieldParts,
  formatValue,
  head,
  looksLikeEntity,
  nextSort,
  parseFilter,
  scopedFilter,
  tableQuery,
  toCsv,
} from '../lib/tables.js';
import { rawInputs } from '../lib/searchlist.js';

const TOP_K = [10, 25, 50, 100, 500];
const GROUP_NAMES = { '': 'task', param: 'parameters (used)', result: 'results (generated)', start: 'telemetry at start', end: 'telemetry at end', meta: 'custom metadata' };

/**
 * The panel. scope: {campaign_id} or {workflow_id}; route/routeParams: the page it lives on (kept in links).
 * Returns the element; it loads itself.
 */
export function taskTable(params, { scope, route, routeParams, ctx }) {
  const state = readState(params);
  const panel = h('section', { class: 'panel task-table', id: 'task-table' }, loading('Loading tasks'));
  const paramsFor = (changes) => ({ ...routeParams, ...writeState({ ...state, offset: 0, ...changes }) });
  const go = (changes) => navigate(route, paramsFor(changes));
  const href = (changes) => link(route, paramsFor(changes));
  load(panel, state, { scope, go, href, ctx }).catch((e) => {
    if (!ctx.stale()) fill(panel, errorBox(e));
  });
  return panel;
}

function readState(params) {
  const dir = params.get('dir') === 'desc' ? 'descending' : 'ascending';
  return {
    cols: params.getAll('col'),
    sort: params.get('sort') ? { field: params.get('sort'), dir } : null,
    filterText: params.get('filter') || '',
    dsl: params.get('dsl') || '',
    k: Number(params.get('k')) || 50,
    offset: Number(params.get('toff')) || 0,
    view: params.get('view') || '',
  };
}

function writeState(s) {
  return {
    col: s.cols && s.cols.length ? s.cols : null,
    sort: s.sort ? s.sort.field : null,
    dir: s.sort && s.sort.dir === 'descending' ? 'desc' : null,
    filter: s.filterText || null,
    dsl: s.dsl || null,
    k: s.k && s.k !== 50 ? s.k : null,
    toff: s.offset || null,
    view: s.view || null,
  };
}

/** The user's filter: the DSL text when edited, else the filter bar's. {filter, errors} */
function userFilter(state) {
  if (state.dsl) {
    try {
      const f = JSON.parse(state.dsl);
      if (!f || typeof f !== 'object' || Array.isArray(f)) return { filter: {}, errors: ['the DSL filter must be a JSON object'] };
      return { filter: f, errors: [] };
    } catch (e) {
      return { filter: {}, errors: ['the DSL filter is not JSON: ' + e.message] };
    }
  }
  return parseFilter(state.filterText);
}

async function load(panel, state, { scope, go, href, ctx }) {
  const fieldsAnswer = await api.fields(scope);
  if (ctx.stale()) return;
  const fields = fieldsAnswer.fields || [];
  const known = new Set(fields.map((f) => f.name));
  const columns = state.cols.length ? state.cols : defaultColumns(fields);
  const { filter, errors } = userFilter(state);
  const failed = state.view === 'failed';
  const effective = failed ? { ...filter, status: 'ERROR' } : filter;

  const filterInput = h('input', {
    id: 'filter-input',
    type: 'text',
    value: state.dsl ? '' : state.filterText,
    placeholder: 'e.g. status = FINISHED and generated.loss < 0.5 and stderr ~ out of memory',
    'aria-label': 'filter',
    list: 'field-names',
    autocomplete: 'off',
  });
  const dslText = h('textarea', { id: 'dsl-text', rows: 3, spellcheck: 'false', 'aria-label': 'DSL filter (JSON)' });
  dslText.value = JSON.stringify(scopedFilter(scope, effective), null, 1).replace(/\n\s*/g, ' ');
  const topk = h(
    'select',
    { id: 'topk', 'aria-label': 'rows (top K)', onchange: () => go({ k: Number(topk.value) }) },
    TOP_K.map((k) => h('option', { value: k, selected: k === state.k }, failed ? `${k}` : `top ${k}`))
  );
  const fieldList = h('datalist', { id: 'field-names' }, fields.map((f) => h('option', { value: f.name })));

  const head2 = h(
    'div',
    { class: 'panel-head' },
    h('h2', {}, failed ? 'Failed runs' : 'Tasks', h('span', { class: 'muted', id: 'task-count' }, '')),
    h(
      'div',
      { class: 'actions' },
      h(
        'a',
        {
          class: `btn ${failed ? 'on' : ''}`,
          id: 'failed-runs',
          href: href({ view: failed ? '' : 'failed' }),
          title: 'each task that ended in ERROR with its stderr, and the raw data upstream of it',
        },
        failed ? '← All tasks' : '⚠ Failed runs'
      ),
      columnPicker(fields, columns, go),
      h('button', { class: 'btn', type: 'button', id: 'csv-export', onclick: () => exportCsv(scope, effective, columns, state) }, '↓ CSV')
    )
  );
  const bar = h(
    'form',
    {
      class: 'filter-bar',
      id: 'filter-bar',
      onsubmit: (e) => {
        e.preventDefault();
        go({ filterText: filterInput.value.trim(), dsl: '' });
      },
    },
    h('label', { class: 'grow' }, 'Filter ', filterInput),
    fieldList,
    h('button', { class: 'btn primary', type: 'submit' }, 'Apply'),
    h('label', {}, failed ? 'show ' : 'rows ', topk),
    h(
      'details',
      { class: 'dsl', open: state.dsl ? true : null },
      h('summary', { class: 'muted' }, 'DSL filter (edit and apply)'),
      dslText,
      h(
        'button',
        {
          class: 'btn',
          type: 'button',
          id: 'dsl-apply',
          onclick: () => {
            let f;
            try {
              f = JSON.parse(dslText.value);
            } catch {
              f = null;
            }
            const rest = { ...(f || {}) };
            for (const k of Object.keys(scope)) delete rest[k];
            go({ dsl: f ? JSON.stringify(rest) : dslText.value, filterText: '' });
          },
        },
        'Apply DSL'
      )
    )
  );
  const body = h('div', { class: 'table-body' }, loading(failed ? 'Loading failed runs' : 'Loading tasks'));
  fill(panel, head2, bar, errors.length ? h('div', { class: 'error', role: 'alert' }, errors.map((e) => h('div', {}, e))) : null, body);
  if (errors.length) {
    fill(body);
    return;
  }

  const countQ = api.query({ from: 'tasks', filter: scopedFilter(scope, effective), aggregation: [['count', '*']] }).catch(() => null);
  if (failed) {
    await failedRuns(body, scope, effective, state, ctx);
  } else {
    const q = tableQuery({ scope, filter: effective, columns, sort: state.sort, limit: state.k, offset: state.offset });
    let ans;
    try {
      ans = await api.query(q);
    } catch (e) {
      if (!ctx.stale()) fill(body, errorBox(e));
      return;
    }
    if (ctx.stale()) return;
    fill(body, grid(columns, ans.rows || [], state, go, known), pagerFor(state, (ans.rows || []).length, go));
  }
  const c = await countQ;
  if (c && !ctx.stale()) {
    const n = (c.rows && c.rows[0] && c.rows[0]['count(*)']) ?? null;
    if (n != null) panel.querySelector('#task-count').textContent = ` ${formatValue(n)}`;
  }
}

function grid(columns, rows, state, go, known) {
  if (!rows.length) return h('p', { class: 'empty' }, 'No task matches.');
  const th = (c) => {
    const on = state.sort && state.sort.field === c;
    const arrow = on ? (state.sort.dir === 'ascending' ? ' ▲' : ' ▼') : '';
    const { group } = fieldParts(c);
    return h(
      'th',
      { class: `sortable ${on ? 'sorted' : ''} grp-${group || 'task'}`, title: `${c}${known.has(c) || c === 'task_id' ? '' : ' (no task has it)'} — click to sort` },
      h('button', { type: 'button', class: 'th-btn', dataset: { field: c }, onclick: () => go({ sort: nextSort(state.sort, c) }) }, columnLabel(c), arrow)
    );
  };
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid tasks-grid', id: 'task-grid' },
      h('thead', {}, h('tr', {}, columns.map(th))),
      h(
        'tbody',
        {},
        rows.map((r) => h('tr', { dataset: { rowTask: r.task_id } }, columns.map((c) => cellFor(c, r[c], r))))
      )
    )
  );
}

function cellFor(c, v, r) {
  const attrs = { dataset: { field: c } };
  if (c === 'task_id') return h('td', attrs, a('tasks', { id: v }, v));
  if (c === 'workflow_id' && v) return h('td', attrs, a('workflows', { id: v }, v));
  if (c === 'status') return h('td', attrs, v ? status(v) : '');
  if ((c === 'started_at' || c === 'ended_at' || c === 'submitted_at') && typeof v === 'number') return h('td', attrs, fmtTime(v));
  if (c === 'duration' && typeof v === 'number') return h('td', { ...attrs, class: 'num', title: formatValue(v) + ' s' }, fmtDuration(v));
  if (typeof v === 'number' || (typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v))) return h('td', { ...attrs, class: 'num' }, formatValue(v));
  if (looksLikeEntity(v)) return h('td', attrs, a('lineage', { id: v, direction: 'both', depth: 2 }, v));
  if (c === 'stderr' || c === 'stdout') return h('td', attrs, h('pre', { class: 'log-head' }, head(v)));
  return h('td', attrs, formatValue(v));
}

function pagerFor(state, got, go) {
  const from = got ? state.offset + 1 : state.offset;
  return h(
    'div',
    { class: 'pager' },
    h('button', { class: 'btn', type: 'button', disabled: state.offset <= 0, onclick: () => go({ offset: Math.max(0, state.offset - state.k) }) }, '‹ Prev'),
    h('span', { class: 'muted' }, got ? `rows ${formatValue(from)}–${formatValue(state.offset + got)}` : 'no rows'),
    h('button', { class: 'btn', type: 'button', disabled: got < state.k, onclick: () => go({ offset: state.offset + state.k }) }, 'More ›')
  );
}

function columnPicker(fields, columns, go) {
  const chosen = new Set(columns);
  const groups = new Map();
  const all = [{ name: 'task_id', count: null }, ...fields.filter((f) => f.name !== 'task_id')];
  for (const f of all) {
    const g = fieldParts(f.name).group;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(f);
  }
  const boxes = [];
  const apply = () => go({ cols: boxes.filter((b) => b.checked).map((b) => b.value) });
  const det = h(
    'details',
    { class: 'col-picker', id: 'col-picker' },
    h('summary', { class: 'btn' }, `Columns (${columns.length})`),
    h(
      'div',
      { class: 'col-picker-body' },
      [...groups.entries()].map(([g, fs]) =>
        h(
          'fieldset',
          {},
          h('legend', {}, GROUP_NAMES[g] || g),
          fs.map((f) => {
            const box = h('input', { type: 'checkbox', value: f.name, checked: chosen.has(f.name) });
            boxes.push(box);
            return h('label', { class: 'col-opt', title: `${f.name}: ${(f.types || []).join(', ')}` }, box, ' ', columnLabel(f.name), f.count != null ? h('span', { class: 'muted' }, ` ${formatValue(f.count)}`) : null);
          })
        )
      ),
      h(
        'div',
        { class: 'col-picker-actions' },
        h('button', { class: 'btn primary', type: 'button', id: 'col-apply', onclick: apply }, 'Show these'),
        h('button', { class: 'btn', type: 'button', onclick: () => go({ cols: [] }) }, 'Defaults')
      )
    )
  );
  return det;
}

async function exportCsv(scope, filter, columns, state) {
  const q = tableQuery({ scope, filter, columns, sort: state.sort, limit: 10000, offset: 0 });
  const ans = await api.query(q);
  const cols = ['task_id', ...columns.filter((c) => c !== 'task_id')];
  const csv = toCsv(cols, ans.rows || []);
  window.midaLastCsv = csv; // for tests and the console
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const el = h('a', { href: url, download: 'tasks.csv' });
  document.body.append(el);
  el.click();
  el.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ------------------------------------------------------------------ failed runs

async function failedRuns(body, scope, filter, state, ctx) {
  const ans = await api.query({
    from: 'tasks',
    projection: ['task_id', 'activity_id', 'workflow_id', 'ended_at', 'stderr'],
    filter: scopedFilter(scope, filter),
    sort: [['ended_at', 'descending'], ['task_id', 'ascending']],
    limit: state.k,
    offset: state.offset,
  });
  if (ctx.stale()) return;
  const rows = ans.rows || [];
  if (!rows.length) {
    fill(body, h('p', { class: 'empty' }, 'No task ended in ERROR here.'));
    return;
  }
  const raw = h('section', { class: 'raw-inputs', id: 'raw-inputs' });
  const showRaw = (ids, what) => rawPanel(raw, ids, what, ctx);
  fill(
    body,
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        { class: 'btn primary', type: 'button', id: 'raw-all', onclick: () => showRaw(rows.map((r) => r.task_id), `the ${rows.length} failed runs`) },
        `Raw data behind these ${rows.length} runs`
      ),
      h('span', { class: 'muted' }, 'data upstream with no recorded generation (e.g. instrument output), with its metadata')
    ),
    raw,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'grid failed-grid', id: 'failed-grid' },
        h('thead', {}, h('tr', {}, ['task', 'activity', 'ended', 'stderr (head)', ''].map((c) => h('th', {}, c)))),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              { dataset: { rowTask: r.task_id } },
              h('td', {}, a('tasks', { id: r.task_id }, r.task_id)),
              h('td', {}, r.activity_id || ''),
              h('td', {}, fmtTime(r.ended_at)),
              h('td', {}, h('pre', { class: 'log-head err' }, head(r.stderr, 4) || '(no stderr)')),
              h('td', {}, h('button', { class: 'btn', type: 'button', dataset: { rawFor: r.task_id }, onclick: () => showRaw([r.task_id], r.task_id) }, 'Raw data ↑'))
            )
          )
        )
      )
    )
  );
}

/** Fills el with the raw inputs upstream of the tasks: one row per entity, its attributes as columns. */
async function rawPanel(el, taskIds, what, ctx) {
  fill(el, loading('Walking upstream'));
  try {
    const usedBy = new Map();
    let truncated = false;
    await Promise.all(
      taskIds.map(async (id) => {
        const lin = await api.lineage({ id, direction: 'upstream', depth: 20, limit: 2000 });
        if (lin.truncated) truncated = true;
        for (const e of rawInputs(lin)) {
          if (!usedBy.has(e)) usedBy.set(e, []);
          usedBy.get(e).push(id);
        }
      })
    );
    const ids = [...usedBy.keys()].sort();
    const details = await Promise.all(ids.map((id) => api.entity(id).catch(() => ({ id, attributes: {} }))));
    if (ctx.stale()) return;
    const attrKeys = [...new Set(details.flatMap((d) => Object.keys(d.attributes || {})))].sort();
    fill(
      el,
      h('h3', {}, `${ids.length} raw input${ids.length === 1 ? '' : 's'} upstream of ${what}`),
      truncated ? h('p', { class: 'muted' }, 'The lineage was cut at its node limit: there may be more.') : null,
      ids.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'grid', id: 'raw-grid' },
              h('thead', {}, h('tr', {}, ['data', 'type', ...attrKeys, 'failed runs'].map((c) => h('th', {}, c)))),
              h(
                'tbody',
                {},
                details.map((d, i) =>
                  h(
                    'tr',
                    { dataset: { entity: ids[i] } },
                    h('td', {}, a('lineage', { id: ids[i], direction: 'downstream', depth: 3 }, ids[i])),
                    h('td', {}, d.type || ''),
                    attrKeys.map((k) => {
                      const v = (d.attributes || {})[k];
                      return h('td', { class: typeof v === 'number' ? 'num' : null, dataset: { attr: k } }, formatValue(v));
                    }),
                    h('td', { class: 'num' }, formatValue(usedBy.get(ids[i]).length))
                  )
                )
              )
            )
          )
        : h('p', { class: 'empty' }, 'No raw data upstream: every input has a recorded generation, or none was recorded.')
    );
  } catch (e) {
    if (!ctx.stale()) fill(el, errorBox(e));
  }
}
