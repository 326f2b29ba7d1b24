// Every call the UI makes to the MIDA REST API lives in this module: adapting to an API change is one place.

const TOKEN_KEY = 'mida.token';

/** The API token (MIDA_API_TOKEN), kept for this browser session only. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A failed call: the HTTP status and the RFC 9457 problem (title, detail, errors[{pointer, detail}]). */
export class ApiError extends Error {
  constructor(status, problem, url) {
    const p = problem && typeof problem === 'object' ? problem : { detail: problem ? String(problem) : '' };
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.title = p.title || `HTTP ${status}`;
    this.detail = p.detail || '';
    this.errors = Array.isArray(p.errors) ? p.errors : [];
    this.url = url;
  }
}

/** '?a=1&b=x' from an object, leaving out null, undefined and '' values; arrays repeat the key. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

// With a token set it goes with every call: reads need it too when the server runs with
// MIDA_API_TOKEN_READS. EventSource and download links cannot send headers: they carry it as
// ?access_token= (GET only; the server never takes it from the URL of a write).
const withToken = (params) => (token.get() ? { ...params, access_token: token.get() } : params);

async function request(method, path, { params, body, accept = 'application/json' } = {}) {
  const url = path + qs(params);
  const headers = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const t = token.get();
  if (t) headers.Authorization = 'Bearer ' + t;
  let r;
  try {
    r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: 'Server unreachable', detail: `${method} ${path}: ${e.message}` }, url);
  }
  const text = await r.text();
  const type = r.headers.get('Content-Type') || '';
  let data = text;
  if (type.includes('json')) {
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
  }
  if (!r.ok) {
    if (r.status === 401 && data && typeof data === 'object')
      data = { ...data, detail: (data.detail || '') + ' — set the API token with the key button at the top right.' };
    throw new ApiError(r.status, data, url);
  }
  return data;
}

const get = (path, params, accept) => request('GET', path, { params, accept });
const post = (path, body) => request('POST', path, { body });
const enc = encodeURIComponent;

export const api = {
  health: () => get('/api/health'),
  campaigns: () => get('/api/campaigns'),
  /** {workflows:[…], limit, offset} */
  workflows: ({ campaign_id, limit, offset } = {}) => get('/api/workflows', { campaign_id, limit, offset }),
  workflow: (id) => get('/api/workflows', { id }),
  /** {workflow_id, tasks:[…], limit, offset} */
  workflowTasks: (id, { status, limit, offset } = {}) =>
    get(`/api/workflows/${enc(id)}/tasks`, { status, limit, offset }),
  task: (id) => get('/api/tasks', { id }),

  /** {root, direction, depth, nodes:[{id, kind, label, workflow_id, …, depth}], edges:[{source, target, type}], truncated} */
  lineage: ({ id, direction, depth, limit }) => get('/api/lineage', { id, direction, depth, limit }),
  /** Which workflow feeds which: {nodes:[{id, kind:'workflow', …}], edges:[{source, target, entities}]} */
  workflowOverview: ({ campaign_id } = {}) => get('/api/lineage/workflows', { campaign_id }),

  /** The JSON query DSL → {rows, count} */
  query: (dsl) => post('/api/query', dsl),
  /** Read-only Cypher → {columns, rows, truncated} */
  cypher: (query, params) => post('/api/cypher', { query, params: params || {} }),

  /** {variables:[{name,…}], pearson:[[…]], spearman:[[…]], top:[…]} */
  correlation: (workflow_id) => get('/api/analysis/correlation', { workflow_id }),
  report: (id) => get('/api/analysis/report', { id, format: 'json' }),
  reportMarkdown: (id) => get('/api/analysis/report', { id, format: 'markdown' }, 'text/markdown, text/plain, */*'),
  reportUrl: (id, format) => '/api/analysis/report' + qs(withToken({ id, format })),

  /** Fields present on a campaign's or workflow's tasks: {tasks, fields:[{name, types, count}]} */
  fields: ({ campaign_id, workflow_id } = {}) => get('/api/fields', { campaign_id, workflow_id }),
  /** An entity with its attributes and versions: {id, type, attributes, versions, …} */
  entity: (id) => get('/api/entities', { id }),
  /** Partial and fuzzy search: {q, best, groups:[{kind, hits:[{kind, id, label, …}]}]} */
  search: (q, limit) => get('/api/search', { q, limit }),
  /** Correlations with options: {workflow_id, activity_id, status ('any' for all)} */
  correlationWith: ({ workflow_id, activity_id, status }) => get('/api/analysis/correlation', { workflow_id, activity_id, status }),

  /** Observers' latest status reports: {observers:[{observer_id, state, hostname, counters, report_age_s, silent, …}]} */
  observers: () => get('/api/observers'),
  observer: (id) => get('/api/observers', { id }),

  /** The fields the tasks of a campaign or workflow have: {tasks, fields:[{name, types, count}]} */
  fieldsOf: ({ campaign_id, workflow_id } = {}) => get('/api/fields', { campaign_id, workflow_id }),

  /** PROV-JSON download links (a plain link: the token, if any, as ?access_token=). kind: 'workflows' | 'campaigns' */
  provUrl: (kind, id) => `/api/prov/${kind}` + qs(withToken({ id, download: 1 })),

  /**
   * Live task events (SSE event 'task'; data {task_id, workflow_id, campaign_id, activity_id, status, …}).
   * Returns a close function. onState('open' | 'retrying' | 'closed').
   */
  stream({ workflow_id, campaign_id } = {}, onTask, onState = () => {}) {
    const es = new EventSource('/api/stream' + qs(withToken({ workflow_id, campaign_id, events: 'task' })));
    es.addEventListener('open', () => onState('open'));
    es.addEventListener('error', () => onState(es.readyState === EventSource.CLOSED ? 'closed' : 'retrying'));
    es.addEventListener('task', (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      onTask(data);
    });
    return () => {
      es.close();
      onState('closed');
    };
  },
};
