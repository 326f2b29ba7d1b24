// DOM-free functions of the lineage and timeline views (tested with `node --test web/src/test/js/`):
// grouping sibling runs, labels that tell siblings apart, the path between two nodes, Gantt lanes.

/** Edge direction in the data flow: PROV edges point later → earlier, the workflow overview's feeder → consumer. */
export function flow(e) {
  return e.type === 'feeds' || e.type === undefined ? [e.source, e.target] : [e.target, e.source];
}

/** The sibling key of a task: its workflow and activity (null for other kinds). */
export function siblingKey(n) {
  if (n.kind !== 'task') return null;
  return `${n.workflow_id || ''}\u0000${n.activity_id || n.label || ''}`;
}

/** The id of the group node of a sibling key. */
export function groupId(key) {
  return 'group:' + key.replace('\u0000', '/');
}

/**
 * Collapses sibling runs (tasks of one workflow and activity, at least `min` of them) into one group node,
 * and the entities that only those groups touch, the same way, into one entity group ("600 models generated
 * by train"). `open` holds the group ids the user expanded; `keep` ids never collapse (the root).
 * Returns {nodes, edges, groups: Map(groupId → {id, key, kind, members[], ...})}; a group node has
 * kind 'group', `group_of` ('task' | 'entity'), `count`, `members`, `status_mix` ({FINISHED: n, …}).
 * Edges between the same two shown nodes with the same type merge into one with `count`.
 */
export function groupSiblings(nodes, edges, { min = 5, open = new Set(), keep = new Set() } = {}) {
  const byKey = new Map();
  for (const n of nodes) {
    const k = siblingKey(n);
    if (k === null || keep.has(n.id)) continue;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(n);
  }
  const rep = new Map(); // node id → shown id
  const groups = new Map();
  for (const [k, members] of byKey) {
    const gid = groupId(k);
    if (members.length < min || open.has(gid)) continue;
    const mix = {};
    for (const m of members) {
      const s = (m.status || 'UNKNOWN').toUpperCase();
      mix[s] = (mix[s] || 0) + 1;
    }
    const first = members[0];
    const activity = first.activity_id || first.label || 'task';
    groups.set(gid, {
      id: gid,
      key: k,
      kind: 'group',
      group_of: 'task',
      label: `${activity} ×${members.length}${mix.ERROR ? ` (${mix.ERROR} failed)` : ''}`,
      activity_id: activity,
      workflow_id: first.workflow_id || null,
      campaign_id: first.campaign_id || null,
      status: mix.ERROR ? 'ERROR' : Object.keys(mix).length === 1 ? Object.keys(mix)[0] : 'FINISHED',
      status_mix: mix,
      count: members.length,
      members: members.map((m) => m.id),
      depth: Math.min(...members.map((m) => m.depth ?? Infinity)),
    });
    for (const m of members) rep.set(m.id, gid);
  }
  // entities whose every neighbour is in a collapsed group: group them by how they touch those groups
  if (groups.size) {
    const touch = new Map(); // entity id → Set of 'type>shown'
    const kind = new Map(nodes.map((n) => [n.id, n.kind]));
    const add = (ent, sig) => {
      if (!touch.has(ent)) touch.set(ent, new Set());
      touch.get(ent).add(sig);
    };
    for (const e of edges) {
      for (const [me, other, dir] of [
        [e.source, e.target, '>'],
        [e.target, e.source, '<'],
      ]) {
        if (kind.get(me) !== 'entity' || keep.has(me)) continue;
        add(me, `${e.type}${dir}${rep.get(other) ?? '\u0001' + other}`);
      }
    }
    const bySig = new Map();
    for (const [ent, sigs] of touch) {
      const all = [...sigs];
      if (all.some((s) => s.includes('\u0001'))) continue; // touches a node that stays
      const sig = all.sort().join('|');
      if (!bySig.has(sig)) bySig.set(sig, []);
      bySig.get(sig).push(ent);
    }
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const [sig, members] of bySig) {
      if (members.length < min) continue;
      const gid = 'group:entities:' + sig;
      if (open.has(gid)) continue;
      const gen = /wasGeneratedBy>(group:[^|]*)/.exec(sig);
      const used = /used<(group:[^|]*)/.exec(sig);
      const by = gen ? groups.get(gen[1]) : used ? groups.get(used[1]) : null;
      const type = byId.get(members[0]).type;
      const what = type && members.every((m) => byId.get(m).type === type) ? type : 'entities';
      groups.set(gid, {
        id: gid,
        key: sig,
        kind: 'group',
        group_of: 'entity',
        label: `${members.length} × ${what}${by ? (gen ? ' from ' : ' into ') + by.activity_id : ''}`,
        count: members.length,
        members,
        depth: Math.min(...members.map((m) => byId.get(m).depth ?? Infinity)),
      });
      for (const m of members) rep.set(m, gid);
    }
  }
  const shown = [];
  for (const n of nodes) if (!rep.has(n.id)) shown.push(n);
  for (const g of groups.values()) shown.push(g);
  const merged = new Map();
  for (const e of edges) {
    const source = rep.get(e.source) ?? e.source;
    const target = rep.get(e.target) ?? e.target;
    if (source === target) continue;
    const k = `${source}\u0000${e.type}\u0000${target}`;
    const m = merged.get(k);
    if (m) m.count++;
    else merged.set(k, { ...e, source, target, count: 1 });
  }
  return { nodes: shown, edges: [...merged.values()], groups, rep };
}

/** A run name among a task's fields: MLflow's runName, Flowcept's or a `name`/`run_name` parameter. */
const RUN_NAME = /(^|\.)(run_?name|mlflow\\\.runName|runName|name)$/i;

/**
 * Labels that tell sibling tasks apart: `rows` are {task_id, activity_id, <field>: value…} of one activity.
 * A run name when every row has a distinct one; else the parameters whose values vary among the rows
 * (at most two, "lr=0.01 bs=32"), else the activity id and a short task id. Returns Map(task_id → label).
 */
export function siblingLabels(rows, { maxParams = 2 } = {}) {
  const out = new Map();
  if (!rows.length) return out;
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((f) => f !== 'task_id' && f !== 'activity_id');
  const nameField = fields.find((f) => RUN_NAME.test(f) && distinct(rows, f) === rows.length);
  const varying = fields
    .filter((f) => f !== nameField && !RUN_NAME.test(f) && f.startsWith('used.'))
    .map((f) => [f, distinct(rows, f), rows.some((r) => typeof r[f] === 'string' && /[/:]/.test(r[f]))])
    .filter(([, d]) => d > 1)
    // parameters before the ids of the data a run read (a scan's URI varies too, but tells less)
    .sort((x, y) => x[2] - y[2] || y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, maxParams)
    .map(([f]) => f);
  for (const r of rows) {
    let label;
    if (nameField) label = String(r[nameField]);
    else if (varying.length)
      label = varying
        .filter((f) => r[f] !== undefined && r[f] !== null)
        .map((f) => `${shortField(f)}=${fmtValue(r[f])}`)
        .join(' ');
    if (!label) label = `${r.activity_id || 'task'} ${shortTail(r.task_id)}`;
    out.set(r.task_id, label);
  }
  return out;
}

function distinct(rows, f) {
  return new Set(rows.map((r) => JSON.stringify(r[f] ?? null))).size;
}

/** 'used.optimizer.lr' → 'lr'. */
export function shortField(f) {
  const parts = String(f).split(/(?<!\\)\./);
  return parts[parts.length - 1].replace(/\\(.)/g, '$1');
}

function fmtValue(v) {
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(1) : +v.toPrecision(3));
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 16 ? s.slice(0, 15) + '…' : s;
}

function shortTail(id) {
  const s = String(id || '');
  return s.length > 8 ? '…' + s.slice(-6) : s;
}

/**
 * Best and worst of a metric over rows ({task_id, [field]: value}): lower is better for names with
 * loss/error/mse/mae/rmse/time/duration, higher otherwise. Non-numbers are left out.
 * Returns {best: {task_id, value}, worst: {task_id, value}, n, lowerIsBetter} or null.
 */
export function bestWorst(rows, field) {
  const lower = /loss|err|mse|mae|rmse|time|duration|latency|memory/i.test(field);
  const vals = rows.filter((r) => typeof r[field] === 'number' && Number.isFinite(r[field]));
  if (!vals.length) return null;
  vals.sort((a, b) => a[field] - b[field]);
  const lo = vals[0];
  const hi = vals[vals.length - 1];
  const [best, worst] = lower ? [lo, hi] : [hi, lo];
  return { best: { task_id: best.task_id, value: best[field] }, worst: { task_id: worst.task_id, value: worst[field] }, n: vals.length, lowerIsBetter: lower };
}

/**
 * A shortest path between two nodes, edges taken in either direction; [] when there is none.
 * Returns {nodes: [ids from a to b], edges: [edge objects]}.
 */
export function shortestPath(edges, a, b) {
  if (a === b) return { nodes: [a], edges: [] };
  const adj = new Map();
  const link = (x, y, e) => {
    if (!adj.has(x)) adj.set(x, []);
    adj.get(x).push([y, e]);
  };
  for (const e of edges) {
    link(e.source, e.target, e);
    link(e.target, e.source, e);
  }
  const prev = new Map([[a, null]]);
  const queue = [a];
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i];
    if (x === b) break;
    for (const [y, e] of adj.get(x) || []) {
      if (prev.has(y)) continue;
      prev.set(y, [x, e]);
      queue.push(y);
    }
  }
  if (!prev.has(b)) return { nodes: [], edges: [] };
  const nodes = [b];
  const es = [];
  for (let x = b; prev.get(x); x = prev.get(x)[0]) {
    es.unshift(prev.get(x)[1]);
    nodes.unshift(prev.get(x)[0]);
  }
  return { nodes, edges: es };
}

/**
 * Gantt lanes: tasks ({task_id, started_at, ended_at, hostname, …}) grouped by `laneKey(task)` (host by
 * default), and inside a lane packed into rows so that bars never overlap (first fit, by start time).
 * Tasks without a start are left out. Returns {lanes: [{key, rows: [[task…]…]}], from, to, skipped}.
 */
export function ganttLanes(tasks, { laneKey = (t) => t.hostname || '(no host)' } = {}) {
  const timed = [];
  let skipped = 0;
  for (const t of tasks) {
    const s = num(t.started_at) ?? num(t.submitted_at);
    if (s === null) {
      skipped++;
      continue;
    }
    const e = num(t.ended_at) ?? s;
    timed.push({ task: t, start: s, end: Math.max(s, e) });
  }
  timed.sort((x, y) => x.start - y.start || x.end - y.end || String(x.task.task_id).localeCompare(String(y.task.task_id)));
  const byLane = new Map();
  for (const b of timed) {
    const k = String(laneKey(b.task) ?? '(none)');
    if (!byLane.has(k)) byLane.set(k, []);
    byLane.get(k).push(b);
  }
  const lanes = [...byLane.keys()].sort().map((key) => {
    const rows = [];
    const ends = [];
    for (const b of byLane.get(key)) {
      let r = ends.findIndex((end) => end <= b.start);
      if (r < 0) {
        r = rows.length;
        rows.push([]);
        ends.push(-Infinity);
      }
      rows[r].push({ ...b.task, _start: b.start, _end: b.end });
      ends[r] = b.end;
    }
    return { key, rows };
  });
  const from = timed.length ? Math.min(...timed.map((b) => b.start)) : null;
  const to = timed.length ? Math.max(...timed.map((b) => b.end)) : null;
  return { lanes, from, to, skipped };
}

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * A telemetry series over time from tasks: one point per task at its start (`telemetry_at_start.<path>`)
 * and one at its end (`telemetry_at_end.<path>`), sorted by time. `get(task, field)` reads a flattened field.
 */
export function telemetrySeries(tasks, path, get = (t, f) => t[f]) {
  const pts = [];
  for (const t of tasks) {
    const s = num(get(t, 'telemetry_at_start.' + path));
    const e = num(get(t, 'telemetry_at_end.' + path));
    if (s !== null && num(t.started_at) !== null) pts.push({ t: t.started_at, v: s, task_id: t.task_id });
    if (e !== null && num(t.ended_at) !== null) pts.push({ t: t.ended_at, v: e, task_id: t.task_id });
  }
  return pts.sort((x, y) => x.t - y.t);
}

/** "nice" time ticks between from and to (seconds): about `count` of them on round steps. */
export function timeTicks(from, to, count = 6) {
  if (from === null || to === null || !(to > from)) return from === null ? [] : [from];
  const steps = [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  const raw = (to - from) / count;
  const step = steps.find((s) => s >= raw) || Math.ceil(raw / 86400) * 86400;
  const out = [];
  for (let t = Math.ceil(from / step) * step; t <= to + 1e-9; t += step) out.push(+t.toFixed(6));
  return out;
}

/** The dotted paths of the numeric leaves of a nested object ({cpu: {percent: 5}} → ['cpu.percent']); arrays left out. */
export function numericPaths(obj, prefix = '', out = []) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && Number.isFinite(v)) out.push(p);
    else if (v && typeof v === 'object' && !Array.isArray(v)) numericPaths(v, p, out);
  }
  return out;
}

/** The value at a dotted path of a nested object (t, 'telemetry_at_end.cpu.percent'), else undefined. */
export function at(obj, path) {
  let x = obj;
  for (const k of String(path).split('.')) {
    if (x === null || typeof x !== 'object') return undefined;
    x = x[k];
  }
  return x;
}

/** The telemetry paths a timeline shows first: CPU, memory, GPU, in that order, at most `n`. */
export function defaultSeries(paths, n = 3) {
  const pick = [];
  for (const re of [/^cpu\.(percent|percent_all|utilization)/i, /^mem(ory)?\..*(percent|used)/i, /^gpu\..*(util|percent|memory)/i, /^(cpu|mem|gpu)/i]) {
    const p = paths.find((x) => re.test(x) && !pick.includes(x));
    if (p) pick.push(p);
    if (pick.length >= n) break;
  }
  return pick;
}
