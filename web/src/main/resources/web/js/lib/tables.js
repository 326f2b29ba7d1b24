// Pure functions behind the task tables (no DOM, no imports): value formatting, column choice from
// GET /api/fields, the filter bar's little language → DSL filter, sorting state, the DSL query, CSV.
// Tested by `node --test web/src/test/js/`.

/** Fields every task has (wire format), shown before the captured ones. */
export const BASE_FIELDS = ['task_id', 'activity_id', 'status', 'workflow_id', 'started_at', 'ended_at', 'duration', 'hostname'];

const NUMERIC = new Set(['integer', 'float', 'long', 'double', 'number']);

/** True when every type a field's values have is a number type ('float', 'integer'). */
export function isNumeric(types) {
  return Array.isArray(types) && types.length > 0 && types.every((t) => NUMERIC.has(t));
}

/**
 * A value as table text, the same everywhere: integers grouped (12,345), other numbers with 4 significant
 * digits (0.01234, 1.235e-5, 1.235e+6 beyond 1e6), NaN and ±Infinity by name, lists joined, objects as JSON.
 */
export function formatValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
    return String(Number(v.toPrecision(4)));
  }
  if (typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v)) return v;
  if (Array.isArray(v)) return v.map(formatValue).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A wire-format or DSL field name split into its group and its short name: used.lr → {group:'param', name:'lr'}. */
export function fieldParts(field) {
  const groups = [
    ['used.', 'param'],
    ['generated.', 'result'],
    ['telemetry_at_start.', 'start'],
    ['telemetry_at_end.', 'end'],
    ['custom_metadata.', 'meta'],
  ];
  for (const [p, g] of groups) if (field.startsWith(p)) return { group: g, name: unescapeField(field.slice(p.length)) };
  return { group: '', name: field };
}

/** The column header of a field: 'lr', 'loss'; telemetry says which end it was taken at ('cpu.percent (end)'). */
export function columnLabel(field) {
  const { group, name } = fieldParts(field);
  if (group === 'start' || group === 'end') return `${name} (${group})`;
  if (field === 'activity_id') return 'activity';
  if (field === 'task_id') return 'task';
  if (field === 'workflow_id') return 'workflow';
  return name;
}

/** 'a\.b' → 'a.b' (the DSL escapes dots and backslashes inside keys). */
export function unescapeField(s) {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * The default columns for a campaign's fields ([{name, types, count}]): task, activity, status and duration,
 * then the numeric results (generated.*), then the parameters (used.*: numbers, strings, entity ids), most
 * common first, at most max in all. stderr/stdout, telemetry and lists are left to the column picker.
 */
export function defaultColumns(fields, max = 14) {
  const have = new Set((fields || []).map((f) => f.name));
  const cols = ['task_id', 'activity_id', 'status', 'duration'].filter((c) => c === 'task_id' || have.has(c) || BASE_FIELDS.includes(c));
  const byCount = [...(fields || [])].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const scalar = (f) => (f.types || []).every((t) => !t.startsWith('list'));
  const results = byCount.filter((f) => f.name.startsWith('generated.') && isNumeric(f.types));
  const params = byCount.filter((f) => f.name.startsWith('used.') && scalar(f));
  for (const f of [...results, ...params]) {
    if (cols.length >= max) break;
    if (!cols.includes(f.name)) cols.push(f.name);
  }
  return cols;
}

/** Next sort after clicking a column: a new column sorts ascending, the same one flips. */
export function nextSort(sort, field) {
  if (!sort || sort.field !== field) return { field, dir: 'ascending' };
  return { field, dir: sort.dir === 'ascending' ? 'descending' : 'ascending' };
}

/** Escapes a text for a Java regular expression (the DSL's $regex). */
export function regexEscape(s) {
  return String(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const OPS = { '=': null, '!=': '$ne', '>': '$gt', '>=': '$gte', '<': '$lt', '<=': '$lte', '~': '$regex' };

function literal(raw) {
  const s = raw.trim();
  if (/^"(?:[^"\\]|\\.)*"$/.test(s)) return JSON.parse(s);
  if (/^'[^']*'$/.test(s)) return s.slice(1, -1);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'null') return null;
  return s;
}

/**
 * The filter bar's language → a DSL filter: clauses joined by 'and' (or ','), each 'field op value' with op
 * one of = != > >= < <= ~ (contains, case-insensitive), 'field in a|b|c', or 'field exists' / 'field missing'.
 * Values: numbers, true/false/null, "quoted" or bare text. Returns {filter, errors:[text]}.
 */
export function parseFilter(text) {
  const filter = {};
  const errors = [];
  const clauses = splitClauses(String(text || ''));
  for (const c of clauses) {
    let m = c.match(/^(\S+)\s+(exists|missing)$/i);
    if (m) {
      add(filter, m[1], { $exists: m[2].toLowerCase() === 'exists' });
      continue;
    }
    m = c.match(/^(\S+)\s+in\s+(.+)$/i);
    if (m) {
      add(filter, m[1], { $in: m[2].split('|').map(literal) });
      continue;
    }
    m = c.match(/^([^\s=!<>~]+)\s*(!=|>=|<=|=|>|<|~)\s*(.*)$/);
    if (!m || m[3].trim() === '') {
      errors.push(`cannot read '${c}': write field op value, e.g. generated.loss < 0.5 or status = ERROR`);
      continue;
    }
    const [, field, op, raw] = m;
    const v = literal(raw);
    if (op === '~') add(filter, field, { $regex: '(?i).*' + regexEscape(String(v)) + '.*' });
    else if (op === '=') add(filter, field, v);
    else add(filter, field, { [OPS[op]]: v });
  }
  return { filter, errors };
}

function splitClauses(text) {
  const out = [];
  let cur = '';
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      cur += ch;
      if (ch === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
      continue;
    }
    if (ch === ',') {
      out.push(cur);
      cur = '';
      continue;
    }
    const rest = text.slice(i);
    const m = rest.match(/^\s+and\s+/i);
    if (m) {
      out.push(cur);
      cur = '';
      i += m[0].length - 1;
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Two conditions on one field are joined with $and; else the field's condition is set. */
function add(filter, field, cond) {
  if (!(field in filter)) {
    filter[field] = cond;
    return;
  }
  filter.$and = filter.$and || [];
  filter.$and.push({ [field]: cond });
}

/** The scope ({campaign_id} or {workflow_id}) and the user's filter as one DSL filter (the scope wins). */
export function scopedFilter(scope, filter) {
  const f = { ...(filter || {}) };
  for (const [k, v] of Object.entries(scope || {})) if (v) f[k] = v;
  return f;
}

/**
 * The DSL query of a table page: task_id always projected (rows link to their task), the sort column
 * (then task_id, so pages are stable), limit and offset.
 */
export function tableQuery({ scope, filter, columns, sort, limit, offset }) {
  const projection = ['task_id', ...columns.filter((c) => c !== 'task_id')];
  const q = { from: 'tasks', projection, filter: scopedFilter(scope, filter), limit, offset: offset || 0 };
  q.sort = sort && sort.field ? [[sort.field, sort.dir || 'ascending'], ['task_id', 'ascending']] : [['task_id', 'ascending']];
  return q;
}

/** True for ids that name data (an entity): URIs such as file:///…, s3://…, model://…, runs:/…. */
export function looksLikeEntity(v) {
  return typeof v === 'string' && /^[A-Za-z][A-Za-z0-9+.-]*:\/{1,3}\S/.test(v);
}

/** CSV (RFC 4180) of rows under columns; a text cell starting with = + - @ is prefixed with ' (spreadsheet formulas). */
export function toCsv(columns, rows) {
  const cell = (v) => {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The first lines of a text (a stderr head), at most n lines and max characters. */
export function head(text, n = 4, max = 400) {
  if (!text) return '';
  const lines = String(text).split('\n');
  // the exception is usually the last line of a traceback: keep the head and the last line
  let out = lines.slice(0, n);
  if (lines.length > n) out = [...lines.slice(0, n - 1), '…', lines[lines.length - 1]];
  const s = out.join('\n');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
