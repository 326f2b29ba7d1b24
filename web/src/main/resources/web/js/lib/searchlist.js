// Pure functions behind the header search and the failed-runs view (no DOM): where a hit leads, the
// grouped list as shown, the raw inputs in a lineage answer. Tested by `node --test web/src/test/js/`.

export const KIND_LABELS = {
  campaign: 'Campaign',
  task: 'Tasks',
  run: 'Runs',
  activity: 'Activities',
  workflow: 'Workflows',
  entity: 'Data',
};

/** [route, params] a hit of GET /api/search leads to. */
export function hitTarget(hit) {
  switch (hit.kind) {
    case 'campaign':
      return ['workflows', { campaign_id: hit.id }];
    case 'task':
    case 'run':
      return ['tasks', { id: hit.id }];
    case 'workflow':
      return ['workflows', { id: hit.id }];
    case 'activity':
      return ['workflows', { campaign_id: hit.campaign_id, filter: `activity_id = ${quoteIfNeeded(hit.id)}` }];
    default:
      return ['lineage', { id: hit.id, direction: 'both', depth: 2 }];
  }
}

function quoteIfNeeded(s) {
  return /^[^\s,"']+$/.test(s) && !/\sand\s/i.test(s) ? s : JSON.stringify(s);
}

/**
 * The search answer as the list shows it: groups in the server's order (best first), each with a label
 * and its hits; flat numbering (index) for keyboard selection. Hits lacking an id are dropped.
 */
export function groupHits(answer) {
  const groups = [];
  let index = 0;
  for (const g of answer?.groups || []) {
    const hits = (g.hits || []).filter((h) => h && h.id);
    if (!hits.length) continue;
    groups.push({ kind: g.kind, label: KIND_LABELS[g.kind] || g.kind, hits: hits.map((h) => ({ ...h, index: index++ })) });
  }
  return groups;
}

/** The hit Enter opens: the server's best, else the first listed. */
export function bestHit(answer) {
  if (answer?.best?.id) return answer.best;
  return groupHits(answer)[0]?.hits[0] || null;
}

/**
 * The raw inputs in an upstream lineage answer: data with no recorded generation. A node of kind
 * 'entity' with no wasGeneratedBy edge leaving it; a version node stands for its entity (entity_id), and
 * an entity some version of which was generated is not raw (its origin node is: data from outside).
 * Returns the entity ids, in the answer's order, without repeats.
 */
export function rawInputs(lineage) {
  const nodes = lineage?.nodes || [];
  const generated = new Set();
  for (const e of lineage?.edges || []) if (e.type === 'wasGeneratedBy') generated.add(e.source);
  const out = [];
  const seen = new Set();
  for (const n of nodes) {
    if (n.kind !== 'entity' || generated.has(n.id)) continue;
    const isOrigin = n.version === 'origin';
    const entity = n.entity_id || n.id;
    if (n.entity_id && !isOrigin) continue; // a version never generated yet: named by a usage only
    if (!isOrigin && n.entity_id == null && nodes.some((m) => m.entity_id === n.id && m.version !== 'origin' && generated.has(m.id)))
      continue;
    if (seen.has(entity)) continue;
    seen.add(entity);
    out.push(entity);
  }
  return out;
}
