// node --test web/src/test/js/ — search grouping and raw inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupHits, bestHit, hitTarget, rawInputs } from '../../main/resources/web/js/lib/searchlist.js';

const answer = {
  q: 'scan',
  best: { kind: 'entity', id: 'file:///scan-1.h5', score: 3 },
  groups: [
    { kind: 'entity', hits: [{ kind: 'entity', id: 'file:///scan-1.h5', score: 3 }, { kind: 'entity', id: 'file:///scan-2.h5', score: 2 }] },
    { kind: 'task', hits: [{ kind: 'task', id: 'task:scan/1', score: 1 }, { kind: 'task' }] },
    { kind: 'workflow', hits: [] },
  ],
};

test('hits are grouped in the server order with labels and flat indexes', () => {
  const g = groupHits(answer);
  assert.deepEqual(g.map((x) => x.label), ['Data', 'Tasks']);
  assert.deepEqual(g.flatMap((x) => x.hits.map((h) => h.index)), [0, 1, 2]);
  assert.equal(g[1].hits.length, 1, 'a hit without id is dropped');
  assert.deepEqual(groupHits(null), []);
});

test('Enter opens the best hit', () => {
  assert.equal(bestHit(answer).id, 'file:///scan-1.h5');
  assert.equal(bestHit({ groups: answer.groups }).id, 'file:///scan-1.h5');
  assert.equal(bestHit({ groups: [] }), null);
});

test('each kind of hit leads to its page', () => {
  assert.deepEqual(hitTarget({ kind: 'task', id: 't' }), ['tasks', { id: 't' }]);
  assert.deepEqual(hitTarget({ kind: 'run', id: 't' }), ['tasks', { id: 't' }]);
  assert.deepEqual(hitTarget({ kind: 'workflow', id: 'w' }), ['workflows', { id: 'w' }]);
  assert.deepEqual(hitTarget({ kind: 'campaign', id: 'c' }), ['workflows', { campaign_id: 'c' }]);
  assert.deepEqual(hitTarget({ kind: 'activity', id: 'train_model', campaign_id: 'c' }), ['workflows', { campaign_id: 'c', filter: 'activity_id = train_model' }]);
  assert.deepEqual(hitTarget({ kind: 'activity', id: 'train and test', campaign_id: 'c' }), ['workflows', { campaign_id: 'c', filter: 'activity_id = "train and test"' }]);
  assert.deepEqual(hitTarget({ kind: 'entity', id: 'e' }), ['lineage', { id: 'e', direction: 'both', depth: 2 }]);
});

test('raw inputs: entities upstream with no recorded generation', () => {
  const lineage = {
    nodes: [
      { id: 't-train', kind: 'task' },
      { id: 'tiles-3', kind: 'entity' },
      { id: 't-prep', kind: 'task' },
      { id: 'scan-3', kind: 'entity' },
      { id: 'calib', kind: 'entity' },
      { id: 'ds', kind: 'entity' },
      { id: 'ds#version=v2', kind: 'entity', entity_id: 'ds', version: 'v2' },
      { id: 'ext#origin', kind: 'entity', entity_id: 'ext', version: 'origin' },
      { id: 'scan-3#origin', kind: 'entity', entity_id: 'scan-3', version: 'origin' },
    ],
    edges: [
      { source: 't-train', target: 'tiles-3', type: 'used' },
      { source: 'tiles-3', target: 't-prep', type: 'wasGeneratedBy' },
      { source: 't-prep', target: 'scan-3', type: 'used' },
      { source: 't-prep', target: 'calib', type: 'used' },
      { source: 'ds#version=v2', target: 't-prep', type: 'wasGeneratedBy' },
    ],
  };
  assert.deepEqual(rawInputs(lineage), ['scan-3', 'calib', 'ext']);
  assert.deepEqual(rawInputs({}), []);
});
