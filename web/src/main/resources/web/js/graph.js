// A Cytoscape.js graph of PROV nodes with a layered layout of our own: data flows left to right
// (a PROV edge points from the later node to the earlier one: used task→entity, wasGeneratedBy entity→task,
// wasInformedBy later task→earlier task, wasDerivedFrom derived→source), so upstream is on the left.

import { hue } from './ui.js';

const STATUS_COLORS = {
  FINISHED: '#5fb37d',
  RUNNING: '#5b8def',
  ERROR: '#e05d5d',
  SUBMITTED: '#b8a9d9',
  WAITING: '#e0b64b',
  UNKNOWN: '#a8afbd',
};

const EDGE_COLORS = {
  used: '#7a9cc6',
  wasGeneratedBy: '#d08770',
  wasInformedBy: '#9aa3b5',
  wasDerivedFrom: '#a37bc4',
  feeds: '#7a8699',
};

export const LEGEND = {
  nodes: [
    ['task', 'task (fill = status, border = workflow)'],
    ['entity', 'data entity'],
    ['workflow', 'workflow'],
    ['group', 'group of sibling runs or their entities (click to open)'],
  ],
  edges: Object.entries(EDGE_COLORS).filter(([k]) => k !== 'feeds'),
  status: Object.entries(STATUS_COLORS),
};

function label(n) {
  const s = n.label || n.name || n.id;
  if (n.kind === 'group') return s.length > 40 ? s.slice(0, 39) + '…' : s;
  return s.length > 28 ? s.slice(0, 12) + '…' + s.slice(-14) : s;
}

/** Cytoscape element data for an API node. */
function nodeData(n) {
  const wfHue = hue(n.workflow_id || n.id);
  return {
    group: 'nodes',
    data: {
      ...n,
      id: n.id,
      kind: n.kind || 'entity',
      short: label(n),
      fill:
        n.kind === 'group'
          ? groupFill(n)
          : n.kind === 'task'
          ? STATUS_COLORS[(n.status || 'UNKNOWN').toUpperCase()] || STATUS_COLORS.UNKNOWN
          : n.kind === 'workflow'
          ? `hsl(${wfHue}, 45%, 78%)`
          : '#f6e3a1',
      ...pie(n),
      size: n.kind === 'group' ? Math.min(70, 30 + 8 * Math.log2(n.count || 1)) : null,
      ring: n.workflow_id || n.kind === 'workflow' ? `hsl(${wfHue}, 55%, 42%)` : '#b89a3e',
    },
  };
}

/** A task group's fill: the colour of its most common status (the pie over it shows the mix). */
function groupFill(n) {
  if (n.group_of !== 'task') return '#f6e3a1';
  const top = Object.entries(n.status_mix || {}).sort((x, y) => y[1] - x[1])[0];
  return STATUS_COLORS[top ? top[0] : 'UNKNOWN'] || STATUS_COLORS.UNKNOWN;
}

const PIE_ORDER = ['FINISHED', 'ERROR', 'RUNNING', 'SUBMITTED', 'WAITING', 'UNKNOWN'];

/** Pie slices (percent and colour) of a task group's status mix, for Cytoscape's pie style. */
function pie(n) {
  const out = {};
  if (n.kind !== 'group' || n.group_of !== 'task') return out;
  const mix = n.status_mix || {};
  const total = Object.values(mix).reduce((a, b) => a + b, 0) || 1;
  PIE_ORDER.forEach((s, i) => {
    out[`pie${i + 1}`] = (100 * (mix[s] || 0)) / total;
    out[`pie${i + 1}c`] = STATUS_COLORS[s];
  });
  return out;
}

function edgeData(e) {
  const type = e.type || 'feeds';
  return {
    group: 'edges',
    data: {
      ...e,
      id: `${e.source}\u0000${type}\u0000${e.target}`,
      type,
      color: EDGE_COLORS[type] || EDGE_COLORS.feeds,
      elabel: e.count > 1 ? `×${e.count}` : e.entities ? `${e.entities} entit${e.entities === 1 ? 'y' : 'ies'}` : e.informed_by ? `${e.informed_by} dep${e.informed_by === 1 ? '' : 's'}` : '',
      width: e.count > 1 ? Math.min(8, 1.5 + Math.log2(e.count)) : e.entities != null || e.informed_by != null ? Math.min(8, 1.5 + Math.log2(1 + (e.entities || 0) + (e.informed_by || 0))) : 1.4,
    },
  };
}

const STYLE = [
  {
    selector: 'node',
    style: {
      label: 'data(short)',
      'font-size': 9,
      'font-family': 'system-ui, sans-serif',
      color: '#1f2a44',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      'min-zoomed-font-size': 7,
      'background-color': 'data(fill)',
      'border-color': 'data(ring)',
      'border-width': 2,
      width: 22,
      height: 22,
    },
  },
  { selector: 'node[kind = "task"]', style: { shape: 'round-rectangle', width: 30, height: 18, 'border-width': 3 } },
  { selector: 'node[kind = "entity"]', style: { shape: 'ellipse' } },
  {
    selector: 'node[kind = "workflow"]',
    style: {
      shape: 'round-hexagon',
      width: 64,
      height: 40,
      'font-size': 10,
      'font-weight': 600,
      'text-valign': 'bottom',
      'border-width': 3,
    },
  },
  {
    selector: 'node[kind = "group"]',
    style: {
      shape: 'round-rectangle',
      width: 'data(size)',
      height: 'data(size)',
      'border-width': 4,
      'border-style': 'double',
      'font-size': 11,
      'font-weight': 600,
      'text-wrap': 'wrap',
      'text-max-width': 140,
    },
  },
  {
    selector: 'node[kind = "group"][group_of = "task"]',
    style: {
      'pie-size': '70%',
      'pie-1-background-size': 'data(pie1)',
      'pie-1-background-color': 'data(pie1c)',
      'pie-2-background-size': 'data(pie2)',
      'pie-2-background-color': 'data(pie2c)',
      'pie-3-background-size': 'data(pie3)',
      'pie-3-background-color': 'data(pie3c)',
      'pie-4-background-size': 'data(pie4)',
      'pie-4-background-color': 'data(pie4c)',
      'pie-5-background-size': 'data(pie5)',
      'pie-5-background-color': 'data(pie5c)',
      'pie-6-background-size': 'data(pie6)',
      'pie-6-background-color': 'data(pie6c)',
    },
  },
  { selector: 'node[kind = "group"][group_of = "entity"]', style: { shape: 'round-hexagon', 'border-color': '#b89a3e' } },
  { selector: 'node.path', style: { 'underlay-color': '#1f6feb', 'underlay-opacity': 0.45, 'underlay-padding': 8, 'min-zoomed-font-size': 0, 'z-index': 20 } },
  { selector: 'edge.path', style: { width: 5, 'line-color': '#1f6feb', 'source-arrow-color': '#1f6feb', 'target-arrow-color': '#1f6feb', opacity: 1, 'z-index': 20 } },
  { selector: 'node.root', style: { 'border-width': 5, 'border-color': '#1f2a44', 'underlay-color': '#ffd54f', 'underlay-opacity': 0.7, 'underlay-padding': 6 } },
  { selector: 'node.expanded', style: { 'border-style': 'double', 'border-width': 5 } },
  { selector: 'node.match', style: { 'underlay-color': '#ff7043', 'underlay-opacity': 0.8, 'underlay-padding': 7 } },
  { selector: 'node:selected', style: { 'overlay-color': '#1f6feb', 'overlay-opacity': 0.25, 'overlay-padding': 6, 'font-weight': 700 } },
  { selector: 'node.faded', style: { opacity: 0.25 } },
  {
    selector: 'edge',
    style: {
      width: 'data(width)',
      'line-color': 'data(color)',
      'curve-style': 'bezier',
      // arrows show the data flow (earlier → later), the reverse of the PROV edge direction
      'source-arrow-shape': 'triangle',
      'source-arrow-color': 'data(color)',
      'arrow-scale': 0.8,
      opacity: 0.85,
    },
  },
  { selector: 'edge[type = "feeds"]', style: { 'source-arrow-shape': 'none', 'target-arrow-shape': 'triangle', 'target-arrow-color': 'data(color)' } },
  { selector: 'edge.long', style: { 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(cpd)', 'control-point-weights': 0.5 } },
  { selector: 'edge[type = "wasInformedBy"]', style: { 'line-style': 'dashed' } },
  { selector: 'edge[type = "wasDerivedFrom"]', style: { 'line-style': 'dotted', width: 2 } },
  {
    selector: 'edge[elabel != ""]',
    style: { label: 'data(elabel)', 'font-size': 9, color: '#4a5568', 'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 2 },
  },
  { selector: 'edge.faded', style: { opacity: 0.1 } },
  { selector: 'node.dim', style: { opacity: 0.2 } },
  { selector: 'edge.dim', style: { opacity: 0.08 } },
  { selector: 'edge.lit', style: { width: 3, opacity: 1, 'z-index': 10 } },
  { selector: 'node.lit', style: { 'min-zoomed-font-size': 0, 'font-weight': 600, 'z-index': 10 } },
];

/**
 * Positions for a layered drawing. Rank = longest path along the data flow (cycles broken); nodes that
 * only feed others sit just before their earliest consumer; order within a rank by barycenter sweeps;
 * tall ranks wrap into several sub-columns so a few hundred nodes stay readable.
 */
export function layered(nodes, edges, { colGap = 190, rowGap = 46, maxPerColumn = Math.max(24, Math.ceil(1.5 * Math.sqrt(nodes.length))) } = {}) {
  const ids = nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const before = ids.map(() => []); // earlier nodes (data comes from)
  const after = ids.map(() => []); // later nodes
  for (const e of edges) {
    const s = index.get(e.source);
    const t = index.get(e.target);
    if (s === undefined || t === undefined || s === t) continue;
    // PROV edges point later → earlier; the workflow overview's edges point feeder → consumer
    const [early, late] = e.type === 'feeds' || e.type === undefined ? [s, t] : [t, s];
    before[late].push(early);
    after[early].push(late);
  }
  // Kahn over the flow graph; whatever is left is on a cycle: break it at the node with fewest unseen inputs.
  const rank = new Array(ids.length).fill(-1);
  const indeg = before.map((b) => b.length);
  const queue = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  let done = 0;
  while (done < ids.length) {
    if (!queue.length) {
      let best = -1;
      for (let i = 0; i < ids.length; i++) if (rank[i] < 0 && indeg[i] > 0 && (best < 0 || indeg[i] < indeg[best])) best = i;
      indeg[best] = 0;
      queue.push(best);
    }
    const i = queue.shift();
    if (rank[i] >= 0) continue;
    let r = 0;
    for (const p of before[i]) if (rank[p] >= 0) r = Math.max(r, rank[p] + 1);
    rank[i] = r;
    done++;
    for (const q of after[i]) if (--indeg[q] === 0) queue.push(q);
  }
  // sources sit right before their first consumer
  for (let i = 0; i < ids.length; i++) {
    if (before[i].length || !after[i].length) continue;
    rank[i] = Math.max(0, Math.min(...after[i].map((q) => rank[q])) - 1);
  }
  const layers = [];
  rank.forEach((r, i) => (layers[r] ||= []).push(i));
  for (let r = 0; r < layers.length; r++) layers[r] ||= [];
  // initial order: by workflow then label, so a workflow's nodes stay together
  const key = (i) => `${nodes[i].workflow_id || ''}\u0000${nodes[i].kind || ''}\u0000${nodes[i].label || nodes[i].id}`;
  for (const l of layers) l.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const pos = new Array(ids.length);
  const place = () => layers.forEach((l) => l.forEach((i, k) => (pos[i] = k / Math.max(1, l.length - 1))));
  place();
  const bary = (i, nbrs) => {
    const ns = nbrs[i];
    if (!ns.length) return pos[i];
    let s = 0;
    for (const q of ns) s += pos[q];
    return s / ns.length;
  };
  for (let sweep = 0; sweep < 6; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.keys() : [...layers.keys()].reverse();
    for (const r of order) {
      const nb = down ? before : after;
      const b = new Map(layers[r].map((i) => [i, bary(i, nb)]));
      layers[r].sort((x, y) => b.get(x) - b.get(y));
      layers[r].forEach((i, k) => (pos[i] = k / Math.max(1, layers[r].length - 1)));
    }
  }
  // coordinates: a rank taller than maxPerColumn wraps into sub-columns
  const out = {};
  let x = 0;
  const tallest = Math.min(maxPerColumn, Math.max(1, ...layers.map((l) => l.length)));
  for (const l of layers) {
    if (!l.length) continue;
    const cols = Math.ceil(l.length / maxPerColumn);
    const perCol = Math.ceil(l.length / cols);
    l.forEach((i, k) => {
      const c = Math.floor(k / perCol);
      const row = k % perCol;
      const inCol = Math.min(perCol, l.length - c * perCol);
      out[ids[i]] = {
        x: x + c * (colGap * 0.55),
        y: (row - (inCol - 1) / 2) * rowGap + (c % 2 ? rowGap / 2 : 0) + (tallest > 1 ? 0 : 0),
      };
    });
    x += colGap + (cols - 1) * colGap * 0.55;
  }
  return out;
}

/**
 * Makes a graph in `container`. handlers: {select(nodeData|null), expand(nodeData)}.
 * Returns {cy, set(nodes, edges), merge(nodes, edges) → number added, layout(), fit(), zoom(f), png(), highlight(text), destroy()}.
 */
export function createGraph(container, handlers = {}) {
  if (typeof window.cytoscape !== 'function') throw new Error('Cytoscape.js did not load (/webjars/cytoscape/…)');
  const cy = window.cytoscape({
    container,
    style: STYLE,
    elements: [],
    minZoom: 0.05,
    maxZoom: 4,
    boxSelectionEnabled: false,
    selectionType: 'single',
  });
  let nodes = new Map();
  let edges = new Map();

  // the last two tapped nodes: a double tap expands only when both taps hit the same node (two quick
  // clicks on two nodes drawn at the same place, as after centring each, are two selections)
  let taps = [null, null];
  cy.on('tap', 'node', (ev) => {
    taps = [taps[1], ev.target.id()];
    if (handlers.select) handlers.select(ev.target.data());
  });
  cy.on('tap', (ev) => {
    if (ev.target !== cy) return;
    taps = [taps[1], null];
    if (handlers.select) handlers.select(null);
  });
  cy.on('dbltap', 'node', (ev) => {
    if (handlers.expand && taps[0] === ev.target.id() && taps[1] === ev.target.id()) handlers.expand(ev.target.data());
  });
  // hover: small graphs fade everything but the neighbourhood; big ones only light the neighbourhood up
  // (restyling a thousand elements per mouse move would make the view sluggish)
  let lit = null;
  cy.on('mouseover', 'node', (ev) => {
    const n = ev.target;
    const hood = n.closedNeighborhood();
    if (cy.nodes().length > 300) {
      lit = hood;
      hood.addClass('lit');
    } else cy.elements().not(hood).addClass('faded');
    container.title = `${n.data('kind')}: ${n.id()}`;
  });
  const unhover = () => {
    if (lit) {
      lit.removeClass('lit');
      lit = null;
    } else cy.elements().removeClass('faded');
    container.title = '';
  };
  cy.on('mouseout', 'node', unhover);
  container.addEventListener('mouseleave', unhover); // leaving the canvas fast skips the node's mouseout

  let straight = false;
  function tune() {
    // big graphs: straight edges are much cheaper to draw than bezier bundles while panning and zooming
    const big = cy.elements().length > 700;
    if (big === straight) return;
    straight = big;
    cy.style().selector('edge').style('curve-style', big ? 'straight' : 'bezier').update();
  }

  const api = {
    cy,
    get size() {
      return nodes.size;
    },
    set(ns, es) {
      nodes = new Map();
      edges = new Map();
      cy.elements().remove();
      return api.merge(ns, es);
    },
    /** Adds the nodes and edges not shown yet; returns how many nodes were new. */
    merge(ns, es) {
      const add = [];
      let added = 0;
      for (const n of ns) {
        if (nodes.has(n.id)) {
          const old = nodes.get(n.id);
          // keep the smaller depth; fill in what the new answer knows
          const merged = { ...n, ...old, depth: Math.min(old.depth ?? Infinity, n.depth ?? Infinity) };
          nodes.set(n.id, merged);
          continue;
        }
        nodes.set(n.id, n);
        add.push(nodeData(n));
        added++;
      }
      for (const e of es) {
        const d = edgeData(e);
        if (edges.has(d.data.id) || !nodes.has(e.source) || !nodes.has(e.target)) continue;
        edges.set(d.data.id, e);
        add.push(d);
      }
      cy.batch(() => cy.add(add));
      tune();
      return added;
    },
    layout(animate = false) {
      // group nodes are up to 70 px tall: more room between rows when there are any
      const grouped = nodes.size < 150 && [...nodes.values()].some((n) => n.kind === 'group');
      const positions = layered([...nodes.values()], [...edges.values()], grouped ? { rowGap: 110, colGap: 230 } : {});
      // an edge that skips ranks on a straight line would run through the nodes between: bend it
      cy.batch(() =>
        cy.edges().forEach((e) => {
          const a = positions[e.source().id()];
          const b = positions[e.target().id()];
          const long = a && b && Math.abs(a.x - b.x) > 250 && Math.abs(a.y - b.y) < 30;
          e.toggleClass('long', !!long);
          if (long) e.data('cpd', Math.min(140, 0.22 * Math.abs(a.x - b.x)));
        })
      );
      const run = cy.layout({
        name: 'preset',
        positions: (n) => positions[n.id()] || { x: 0, y: 0 },
        animate: animate && nodes.size < 300,
        animationDuration: 350,
        fit: true,
        padding: 40,
      });
      run.run();
    },
    fit: () => cy.animate({ fit: { eles: cy.elements(), padding: 40 } }, { duration: 250 }),
    zoom(f) {
      cy.zoom({ level: cy.zoom() * f, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    },
    center(id) {
      const n = cy.getElementById(id);
      if (n.nonempty()) cy.animate({ center: { eles: n }, zoom: Math.max(cy.zoom(), 1) }, { duration: 300 });
    },
    select(id) {
      cy.$(':selected').unselect();
      const n = cy.getElementById(id);
      if (n.nonempty()) n.select();
    },
    mark(id, cls, on = true) {
      const n = cy.getElementById(id);
      if (n.nonempty()) n.toggleClass(cls, on);
    },
    /** Highlights nodes whose id or label contains text; returns the count. */
    highlight(text) {
      cy.nodes().removeClass('match');
      if (!text) return 0;
      const t = text.toLowerCase();
      const m = cy.nodes().filter((n) => n.id().toLowerCase().includes(t) || String(n.data('label') || '').toLowerCase().includes(t));
      m.addClass('match');
      return m.length;
    },
    /** A new label for a node (e.g. the parameter that tells sibling runs apart). */
    relabel(id, text) {
      const n = cy.getElementById(id);
      if (n.empty()) return;
      n.data('label', text);
      n.data('short', label({ ...n.data(), label: text }));
    },
    /** Highlights a path (node ids, edge objects {source, type, target}) and fades the rest; empty clears. */
    path(ids, es) {
      cy.batch(() => {
        cy.elements().removeClass('path dim');
        if (!ids.length) return;
        for (const id of ids) cy.getElementById(id).addClass('path');
        for (const e of es) cy.getElementById(edgeData(e).data.id).addClass('path');
        cy.elements().not('.path').addClass('dim');
      });
      return cy.$('.path').length;
    },
    png: () => cy.png({ full: true, scale: cy.nodes().length > 300 ? 1 : 2, bg: '#ffffff', output: 'blob' }),
    destroy: () => cy.destroy(),
  };
  return api;
}
