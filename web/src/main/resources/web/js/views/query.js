// #/query?tab=dsl|cypher&q=… — the JSON query DSL and read-only Cypher, results as a table.
// The query text is kept in the URL (shareable) once run.

import { api } from '../api.js';
import { h, a, text, fmtNumber, errorBox, setTitle, status, fill } from '../ui.js';
import { replaceHash } from '../nav.js';

const EXAMPLES = {
  dsl: [
    [
      'Latest finished tasks',
      { from: 'tasks', projection: ['task_id', 'workflow_id', 'activity_id', 'status', 'duration'], filter: { status: 'FINISHED' }, sort: [['ended_at', 'descending']], limit: 20 },
    ],
    ['Slowest activities', { from: 'tasks', aggregation: [['avg', 'duration'], ['max', 'duration'], ['count', '*']], group_by: ['activity_id'], sort: [['avg(duration)', 'descending']], limit: 50 }],
    ['Workflows of a campaign', { from: 'workflows', projection: ['workflow_id', 'name', 'started_at'], sort: [['started_at', 'descending']], limit: 50 }],
    ['Failed tasks', { from: 'tasks', projection: ['task_id', 'workflow_id', 'stderr'], filter: { status: 'ERROR' }, limit: 50 }],
  ],
  cypher: [
    ['Tasks per workflow', 'MATCH (t:Task)-[:PART_OF]->(w:Workflow)\nRETURN w.workflow_id AS workflow, count(t) AS tasks\nORDER BY tasks DESC LIMIT 25'],
    ['Most used entities', 'MATCH (t:Task)-[:USED]->(e:Entity)\nRETURN e.id AS entity, e.type AS type, count(t) AS uses\nORDER BY uses DESC LIMIT 25'],
    ['Entity with parameter', 'MATCH (e:Entity)-[:WAS_GENERATED_BY]->(t:Task)\nWHERE t.status = $status\nRETURN e.id AS entity, t.task_id AS task LIMIT 25'],
  ],
};

const KEY = (tab) => `mida.query.${tab}`;

export default async function query(main, params) {
  const tab = params.get('tab') === 'cypher' ? 'cypher' : 'dsl';
  setTitle('Query');
  const initial = params.get('q') || sessionStorage.getItem(KEY(tab)) || (tab === 'dsl' ? JSON.stringify(EXAMPLES.dsl[0][1], null, 2) : EXAMPLES.cypher[0][1]);
  const initialParams = params.get('params') || (tab === 'cypher' ? '{"status": "FINISHED"}' : '');

  const editor = h('textarea', { class: 'editor', id: 'query-text', spellcheck: 'false', rows: 8, 'aria-label': tab === 'dsl' ? 'JSON query' : 'Cypher query' });
  editor.value = initial;
  const paramEditor = tab === 'cypher' ? h('textarea', { class: 'editor small', id: 'query-params', spellcheck: 'false', rows: 3, 'aria-label': 'Cypher parameters (JSON)' }) : null;
  if (paramEditor) paramEditor.value = initialParams;
  const result = h('section', { class: 'panel', id: 'query-result' }, h('p', { class: 'muted' }, 'Run the query with the button or Ctrl+Enter.'));
  const runBtn = h('button', { class: 'btn primary', type: 'button', id: 'query-run', onclick: () => run() }, '▶ Run');
  const examples = h(
    'select',
    {
      'aria-label': 'examples',
      onchange: () => {
        const ex = EXAMPLES[tab][Number(examples.value)];
        if (ex) editor.value = tab === 'dsl' ? JSON.stringify(ex[1], null, 2) : ex[1];
        examples.value = '';
      },
    },
    h('option', { value: '' }, 'Examples…'),
    EXAMPLES[tab].map(([name], i) => h('option', { value: i }, name))
  );
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });

  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Query')),
    h(
      'div',
      { class: 'tabs', role: 'tablist' },
      h('a', { href: '#/query?tab=dsl', class: tab === 'dsl' ? 'on' : '', role: 'tab', id: 'tab-dsl' }, 'Query DSL'),
      h('a', { href: '#/query?tab=cypher', class: tab === 'cypher' ? 'on' : '', role: 'tab', id: 'tab-cypher' }, 'Cypher (read-only)')
    ),
    h(
      'section',
      { class: 'panel' },
      tab === 'dsl'
        ? h('p', { class: 'muted small' }, 'JSON over tasks: from, projection, filter ($gt $gte $lt $lte $ne $in $nin $exists $regex $and $or), aggregation (min max avg sum count), group_by, sort, limit, offset.')
        : h('p', { class: 'muted small' }, 'Read-only Cypher with $parameters; the server enforces time and row limits. Needs the API token when one is set.'),
      editor,
      paramEditor ? h('label', { class: 'block' }, 'Parameters (JSON)', paramEditor) : null,
      h('div', { class: 'toolbar' }, runBtn, examples, h('span', { class: 'muted small' }, 'Ctrl+Enter runs'))
    ),
    result
  );

  let last = null;
  async function run() {
    const q = editor.value;
    sessionStorage.setItem(KEY(tab), q);
    replaceHash('query', { tab, q, params: paramEditor ? paramEditor.value : null });
    runBtn.disabled = true;
    fill(result, h('p', { class: 'muted' }, 'Running…'));
    const t0 = performance.now();
    try {
      let ans;
      if (tab === 'dsl') {
        let body;
        try {
          body = JSON.parse(q);
        } catch (e) {
          throw { title: 'Not valid JSON', detail: e.message };
        }
        ans = await api.query(body);
      } else {
        let p = {};
        if (paramEditor && paramEditor.value.trim()) {
          try {
            p = JSON.parse(paramEditor.value);
          } catch (e) {
            throw { title: 'Parameters are not valid JSON', detail: e.message };
          }
        }
        ans = await api.cypher(q, p);
      }
      const ms = Math.round(performance.now() - t0);
      last = ans;
      const rows = ans.rows || [];
      const columns = ans.columns || [...new Set(rows.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])))];
      fill(result, 
        h(
          'div',
          { class: 'panel-head' },
          h('h2', {}, h('span', { id: 'row-count' }, fmtNumber(ans.count ?? rows.length)), ' rows'),
          h('span', { class: 'muted' }, `${ms} ms`),
          ans.truncated ? h('span', { class: 'warn' }, 'truncated at the server limit') : null,
          h('button', { class: 'btn', type: 'button', onclick: () => csv(columns, rows) }, '↓ CSV'),
          h('button', { class: 'btn', type: 'button', onclick: () => json(ans) }, '↓ JSON')
        ),
        resultTable(columns, rows),
        ans.cypher ? h('details', { class: 'compiled' }, h('summary', { class: 'muted' }, 'Compiled Cypher'), h('pre', { class: 'json' }, ans.cypher), ans.params ? h('pre', { class: 'json' }, JSON.stringify(ans.params, null, 2)) : null) : null
      );
    } catch (e) {
      fill(result, errorBox(e));
    } finally {
      runBtn.disabled = false;
    }
  }
  if (params.get('q')) run();
}

const LINKS = { task_id: 'tasks', workflow_id: 'workflows', workflow: 'workflows', task: 'tasks' };

function resultTable(columns, rows) {
  if (!rows.length) return h('p', { class: 'empty' }, 'No rows.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid results', id: 'results' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        rows.slice(0, 5000).map((r) =>
          h(
            'tr',
            {},
            columns.map((c) => {
              const v = Array.isArray(r) ? r[columns.indexOf(c)] : r[c];
              const route = LINKS[c];
              if (route && typeof v === 'string') return h('td', {}, a(route, { id: v }, v));
              if (typeof v === 'number') return h('td', { class: 'num' }, fmtNumber(v));
              if (c === 'status' && typeof v === 'string') return h('td', {}, status(v));
              return h('td', { class: v && typeof v === 'object' ? 'json' : '' }, text(v));
            })
          )
        )
      )
    )
  );
}

function save(content, type, name) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const el = h('a', { href: url, download: name });
  document.body.append(el);
  el.click();
  el.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function csv(columns, rows) {
  const cell = (v) => {
    const s = text(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map(cell).join(',')].concat(rows.map((r) => columns.map((c, i) => cell(Array.isArray(r) ? r[i] : r[c])).join(',')));
  save(lines.join('\n') + '\n', 'text/csv', 'mida-query.csv');
}

function json(ans) {
  save(JSON.stringify(ans, null, 2), 'application/json', 'mida-query.json');
}

