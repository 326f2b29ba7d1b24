// node --test web/src/test/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import { groupSiblings, siblingLabels, bestWorst, shortestPath, ganttLanes, telemetrySeries, timeTicks, shortField, groupId } from '../../main/resources/web/js/lineage-model.js';

/** n scans → n training runs (each reads one scan, writes one model) → n evaluations. */
function sweep(runs, scans = 20) {
  const nodes = [];
  const edges = [];
  for (let s = 0; s < scans; s++) nodes.push({ id: `scan${s}`, kind: 'entity', type: 'scan' });
  for (let i = 0; i < runs; i++) {
    nodes.push({ id: `train${i}`, kind: 'task', workflow_id: 'w2', activity_id: 'train', status: i % 9 === 0 ? 'ERROR' : 'FINISHED' });
    nodes.push({ id: `model${i}`, kind: 'entity', type: 'model' });
    nodes.push({ id: `eval${i}`, kind: 'task', workflow_id: 'w3', activity_id: 'evaluate', status: 'FINISHED' });
    edges.push({ source: `train${i}`, target: `scan${i % scans}`, type: 'used' });
    edges.push({ source: `model${i}`, target: `train${i}`, type: 'wasGeneratedBy' });
    edges.push({ source: `eval${i}`, target: `model${i}`, type: 'used' });
  }
  return { nodes, edges };
}

test('600 sibling runs collapse into a few group nodes', () => {
  const { nodes, edges } = sweep(600);
  const g = groupSiblings(nodes, edges);
  const train = g.groups.get(groupId('w2\u0000train'));
  assert.equal(train.count, 600);
  assert.equal(train.status_mix.ERROR, 67);
  assert.equal(train.status_mix.FINISHED, 533);
  assert.equal(train.status, 'ERROR');
  assert.equal(train.label, 'train ×600 (67 failed)');
  // scans (used only by the train group), train group, model group, evaluate group
  assert.equal(g.nodes.length, 4);
  const models = [...g.groups.values()].find((x) => x.group_of === 'entity' && x.count === 600);
  assert.equal(models.label, '600 × model from train');
  const scans = [...g.groups.values()].find((x) => x.group_of === 'entity' && x.count === 20);
  assert.equal(scans.label, '20 × scan into train');
  // train→scans (600 usages), models→train, evaluate→models
  assert.equal(g.edges.length, 3);
  assert.equal(g.edges.find((e) => e.target === scans.id).count, 600);
  // a scan another node also touches stays on its own
  const extra = groupSiblings([...nodes, { id: 'other', kind: 'task', activity_id: 'x' }], [...edges, { source: 'other', target: 'scan3', type: 'used' }]);
  assert.ok(extra.nodes.some((n) => n.id === 'scan3'));
  assert.equal(extra.groups.get([...extra.groups.keys()].find((k) => extra.groups.get(k).label.includes('scan'))).count, 19);
});

test('an open group shows its members; the root never collapses; small groups stay', () => {
  const { nodes, edges } = sweep(600);
  const open = new Set([groupId('w2\u0000train')]);
  const g = groupSiblings(nodes, edges, { open, keep: new Set(['eval3']) });
  assert.ok(g.nodes.some((n) => n.id === 'train7'));
  assert.ok(g.nodes.some((n) => n.id === 'eval3'));
  assert.ok(!g.nodes.some((n) => n.id === 'eval4'));
  // models touch single train runs now: they no longer group
  assert.ok(g.nodes.some((n) => n.id === 'model7'));
  const small = sweep(4, 2);
  assert.equal(groupSiblings(small.nodes, small.edges).nodes.length, small.nodes.length);
});

test('sibling labels: a distinct run name, else the varying parameters', () => {
  const named = siblingLabels([
    { task_id: 'a', activity_id: 'train', 'custom_metadata.mlflow\\.runName': 'bold-owl', 'used.lr': 0.1 },
    { task_id: 'b', activity_id: 'train', 'custom_metadata.mlflow\\.runName': 'calm-fox', 'used.lr': 0.2 },
  ]);
  assert.equal(named.get('a'), 'bold-owl');
  const params = siblingLabels([
    { task_id: 'a', activity_id: 'train', 'used.lr': 0.01, 'used.batch_size': 32, 'used.arch': 'resnet', 'used.epochs': 10 },
    { task_id: 'b', activity_id: 'train', 'used.lr': 0.001, 'used.batch_size': 64, 'used.arch': 'resnet', 'used.epochs': 10 },
    { task_id: 'c', activity_id: 'train', 'used.lr': 0.1, 'used.batch_size': 64, 'used.arch': 'resnet', 'used.epochs': 10 },
  ]);
  assert.equal(params.get('a'), 'lr=0.01 batch_size=32');
  assert.equal(params.get('b'), 'lr=0.001 batch_size=64');
  const withData = siblingLabels([
    { task_id: 'a', 'used.scan': 'file:///s/1.tif', 'used.lr': 0.1 },
    { task_id: 'b', 'used.scan': 'file:///s/2.tif', 'used.lr': 0.2 },
    { task_id: 'c', 'used.scan': 'file:///s/3.tif', 'used.lr': 0.2 },
  ]);
  assert.equal(withData.get('a'), 'lr=0.1 scan=file:///s/1.tif');
  const bare = siblingLabels([{ task_id: 'task-000123', activity_id: 'train' }, { task_id: 'task-000124', activity_id: 'train' }]);
  assert.equal(bare.get('task-000123'), 'train …000123');
  assert.equal(shortField('used.optimizer.lr'), 'lr');
  assert.equal(shortField('custom_metadata.mlflow\\.runName'), 'mlflow.runName');
});

test('best and worst of a metric: lower is better for a loss, higher for an accuracy', () => {
  const rows = [
    { task_id: 'a', 'generated.loss': 0.3, 'generated.accuracy': 0.8 },
    { task_id: 'b', 'generated.loss': 0.1, 'generated.accuracy': 0.9 },
    { task_id: 'c', 'generated.loss': 'NaN' },
  ];
  const loss = bestWorst(rows, 'generated.loss');
  assert.deepEqual([loss.best.task_id, loss.worst.task_id, loss.n], ['b', 'a', 2]);
  const acc = bestWorst(rows, 'generated.accuracy');
  assert.deepEqual([acc.best.task_id, acc.worst.value], ['b', 0.8]);
  assert.equal(bestWorst(rows, 'generated.nothing'), null);
});

test('shortest path in either edge direction, none between disconnected nodes', () => {
  const { edges } = sweep(3, 1);
  const p = shortestPath(edges, 'eval0', 'train2');
  assert.deepEqual(p.nodes, ['eval0', 'model0', 'train0', 'scan0', 'train2']);
  assert.equal(p.edges.length, 4);
  assert.deepEqual(shortestPath(edges, 'eval0', 'nowhere').nodes, []);
  assert.deepEqual(shortestPath(edges, 'x', 'x').nodes, ['x']);
});

test('gantt lanes by host pack overlapping tasks into rows and skip untimed ones', () => {
  const tasks = [
    { task_id: 't1', hostname: 'gpu-1', started_at: 0, ended_at: 10 },
    { task_id: 't2', hostname: 'gpu-1', started_at: 5, ended_at: 8 },
    { task_id: 't3', hostname: 'gpu-1', started_at: 10, ended_at: 12 },
    { task_id: 't4', hostname: 'cpu-1', started_at: 2, ended_at: 3 },
    { task_id: 't5', hostname: 'cpu-1' },
  ];
  const g = ganttLanes(tasks);
  assert.deepEqual(g.lanes.map((l) => l.key), ['cpu-1', 'gpu-1']);
  const gpu = g.lanes[1];
  assert.deepEqual(gpu.rows.map((r) => r.map((t) => t.task_id)), [['t1', 't3'], ['t2']]);
  assert.equal(g.skipped, 1);
  assert.deepEqual([g.from, g.to], [0, 12]);
  const byWorker = ganttLanes(tasks, { laneKey: (t) => t.task_id.slice(0, 1) });
  assert.equal(byWorker.lanes.length, 1);
});

test('telemetry series from start and end snapshots, and round time ticks', () => {
  const tasks = [
    { task_id: 'a', started_at: 10, ended_at: 20, 'telemetry_at_start.cpu.percent': 5, 'telemetry_at_end.cpu.percent': 90 },
    { task_id: 'b', started_at: 0, ended_at: 5, 'telemetry_at_end.cpu.percent': 50 },
  ];
  assert.deepEqual(telemetrySeries(tasks, 'cpu.percent').map((p) => [p.t, p.v]), [[5, 50], [10, 5], [20, 90]]);
  assert.deepEqual(timeTicks(0, 60, 6), [0, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(timeTicks(null, null), []);
});

test('numeric telemetry paths, nested lookup and the default CPU/memory/GPU series', async () => {
  const { numericPaths, at, defaultSeries } = await import('../../main/resources/web/js/lineage-model.js');
  const tel = { cpu: { percent_all: 40, per_cpu: [1, 2] }, memory: { virtual: { percent: 60, used: 1e9 } }, gpu: { util: 90 }, host: 'x' };
  const paths = numericPaths(tel);
  assert.deepEqual(paths, ['cpu.percent_all', 'memory.virtual.percent', 'memory.virtual.used', 'gpu.util']);
  assert.equal(at({ telemetry_at_end: tel }, 'telemetry_at_end.gpu.util'), 90);
  assert.equal(at({}, 'a.b'), undefined);
  assert.deepEqual(defaultSeries(paths), ['cpu.percent_all', 'memory.virtual.percent', 'gpu.util']);
});
