// node --test web/src/test/js/ — the task tables' pure functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatValue,
  columnLabel,
  defaultColumns,
  nextSort,
  parseFilter,
  scopedFilter,
  tableQuery,
  toCsv,
  looksLikeEntity,
  regexEscape,
  head,
  isNumeric,
} from '../../main/resources/web/js/lib/tables.js';

test('numbers are formatted one way everywhere', () => {
  assert.equal(formatValue(12345), '12,345');
  assert.equal(formatValue(0.012345), '0.01235');
  assert.equal(formatValue(0.5), '0.5');
  assert.equal(formatValue(3.14159), '3.142');
  assert.equal(formatValue(0.00001234), '1.234e-5');
  assert.equal(formatValue(1234567.8), '1.235e+6');
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(-Infinity), '−∞');
  assert.equal(formatValue(null), '');
  assert.equal(formatValue([1, 2.5]), '1, 2.5');
  assert.equal(formatValue({ a: 1 }), '{"a":1}');
  assert.equal(formatValue('resnet'), 'resnet');
  assert.equal(formatValue(true), 'true');
});

test('labels tell telemetry at start from telemetry at end', () => {
  assert.equal(columnLabel('telemetry_at_start.cpu.percent'), 'cpu.percent (start)');
  assert.equal(columnLabel('telemetry_at_end.cpu.percent'), 'cpu.percent (end)');
  assert.equal(columnLabel('used.lr'), 'lr');
  assert.equal(columnLabel('generated.loss'), 'loss');
  assert.equal(columnLabel('custom_metadata.mlflow\\.runName'), 'mlflow.runName');
  assert.equal(columnLabel('activity_id'), 'activity');
});

test('default columns: status, duration, numeric results, then parameters', () => {
  const fields = [
    { name: 'task_id', types: ['string'], count: 100 },
    { name: 'status', types: ['string'], count: 100 },
    { name: 'duration', types: ['float'], count: 100 },
    { name: 'stderr', types: ['string'], count: 7 },
    { name: 'telemetry_at_end.cpu.percent', types: ['float'], count: 100 },
    { name: 'used.lr', types: ['float'], count: 60 },
    { name: 'used.architecture', types: ['string'], count: 60 },
    { name: 'used.dataset', types: ['string'], count: 60 },
    { name: 'used.layers', types: ['list<integer>'], count: 60 },
    { name: 'generated.loss', types: ['float'], count: 53 },
    { name: 'generated.model', types: ['string'], count: 53 },
  ];
  const cols = defaultColumns(fields);
  assert.deepEqual(cols, ['task_id', 'activity_id', 'status', 'duration', 'generated.loss', 'used.architecture', 'used.dataset', 'used.lr']);
  assert.equal(defaultColumns(fields, 5).length, 5);
  assert.ok(isNumeric(['float', 'integer']));
  assert.ok(!isNumeric(['float', 'string']));
});

test('sorting: a new column ascends, the same column flips', () => {
  assert.deepEqual(nextSort(null, 'generated.loss'), { field: 'generated.loss', dir: 'ascending' });
  assert.deepEqual(nextSort({ field: 'generated.loss', dir: 'ascending' }, 'generated.loss'), { field: 'generated.loss', dir: 'descending' });
  assert.deepEqual(nextSort({ field: 'generated.loss', dir: 'descending' }, 'used.lr'), { field: 'used.lr', dir: 'ascending' });
});

test('the filter bar builds the DSL filter', () => {
  assert.deepEqual(parseFilter('status = ERROR and generated.loss < 0.5').filter, { status: 'ERROR', 'generated.loss': { $lt: 0.5 } });
  assert.deepEqual(parseFilter('used.lr >= 1e-3, used.batch_size != 32').filter, { 'used.lr': { $gte: 0.001 }, 'used.batch_size': { $ne: 32 } });
  assert.deepEqual(parseFilter('stderr ~ out of memory').filter, { stderr: { $regex: '(?i).*out of memory.*' } });
  assert.deepEqual(parseFilter('stderr ~ a.b(c)').filter, { stderr: { $regex: '(?i).*a\\.b\\(c\\).*' } });
  assert.deepEqual(parseFilter('used.architecture in unet|resnet').filter, { 'used.architecture': { $in: ['unet', 'resnet'] } });
  assert.deepEqual(parseFilter('generated.loss exists').filter, { 'generated.loss': { $exists: true } });
  assert.deepEqual(parseFilter('activity_id = "train and test, v2"').filter, { activity_id: 'train and test, v2' });
  assert.deepEqual(parseFilter('generated.loss > 0.1 and generated.loss < 0.2').filter, {
    'generated.loss': { $gt: 0.1 },
    $and: [{ 'generated.loss': { $lt: 0.2 } }],
  });
  assert.deepEqual(parseFilter('').filter, {});
  const bad = parseFilter('loss lowest');
  assert.equal(bad.errors.length, 1);
  assert.match(bad.errors[0], /cannot read 'loss lowest'/);
  assert.equal(regexEscape('a+b*'), 'a\\+b\\*');
});

test('the table query: scope wins, task_id projected, stable sort', () => {
  assert.deepEqual(scopedFilter({ campaign_id: 'c' }, { campaign_id: 'x', status: 'ERROR' }), { campaign_id: 'c', status: 'ERROR' });
  const q = tableQuery({ scope: { campaign_id: 'c' }, filter: {}, columns: ['status', 'generated.loss'], sort: { field: 'generated.loss', dir: 'ascending' }, limit: 10, offset: 0 });
  assert.deepEqual(q, {
    from: 'tasks',
    projection: ['task_id', 'status', 'generated.loss'],
    filter: { campaign_id: 'c' },
    limit: 10,
    offset: 0,
    sort: [
      ['generated.loss', 'ascending'],
      ['task_id', 'ascending'],
    ],
  });
});

test('CSV quotes what needs quoting and defuses formulas', () => {
  const csv = toCsv(['task_id', 'v', 'note'], [
    { task_id: 't,1', v: 0.5, note: 'say "hi"' },
    { task_id: 't2', v: -1, note: '=HYPERLINK("x")' },
    { task_id: 't3', v: null, note: 'two\nlines' },
  ]);
  assert.equal(csv, 'task_id,v,note\r\n"t,1",0.5,"say ""hi"""\r\nt2,-1,"\'=HYPERLINK(""x"")"\r\nt3,,"two\nlines"\r\n');
});

test('entity ids are recognised, stderr heads keep the exception', () => {
  assert.ok(looksLikeEntity('file:///data/scan-01.h5'));
  assert.ok(looksLikeEntity('model://unet/7'));
  assert.ok(!looksLikeEntity('resnet50'));
  assert.ok(!looksLikeEntity('12:30'));
  assert.equal(head('a\nb\nc\nd\ne\nRuntimeError: CUDA out of memory', 3), 'a\nb\n…\nRuntimeError: CUDA out of memory');
  assert.equal(head('one line'), 'one line');
  assert.equal(head(null), '');
});
