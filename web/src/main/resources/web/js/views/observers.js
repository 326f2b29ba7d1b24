// #/observers — every observer's latest status report (GET /api/observers), refreshed while shown.
// Silent observers (no report for longer than the server's limit, and not stopped) are highlighted.

import { api } from '../api.js';
import { h, a, table, fmtNumber, fmtTime, fmtDuration, loading, setTitle, errorBox, fill, kv } from '../ui.js';

const REFRESH_MS = 5000;
/** Counters every observer keeps, shown first and always; the others follow by name. */
const MAIN_COUNTERS = ['emitted', 'rejected', 'spilled', 'dropped'];

export default async function observers(main, params, ctx) {
  setTitle('Observers');
  const summary = h('span', { class: 'sub', id: 'observer-summary' }, '');
  const list = h('section', { class: 'panel', id: 'observers' }, loading('Loading observers'));
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Observers ', summary)), list);

  let timer = null;
  let stopped = false;
  async function refresh() {
    try {
      const { observers: os } = await api.observers();
      if (ctx.stale() || stopped) return;
      const silent = os.filter((o) => o.silent).length;
      summary.textContent = `${os.length} reporting${silent ? ` · ${silent} silent` : ''}`;
      summary.className = silent ? 'sub warn' : 'sub';
      fill(list, observerTable(os));
    } catch (e) {
      if (ctx.stale() || stopped) return;
      fill(
        list,
        e.status === 404
          ? h('p', { class: 'empty' }, 'This server does not report observers (GET /api/observers is absent).')
          : errorBox(e)
      );
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  }
  await refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function observerTable(os) {
  return table(
    [
      {
        key: 'observer_id',
        label: 'observer',
        render: (o) =>
          h(
            'div',
            {},
            h('code', { class: 'observer-id' }, o.observer_id),
            o.name && o.name !== o.observer_id ? h('div', { class: 'muted' }, o.name) : null,
            extra(o)
          ),
      },
      { key: 'kind', label: 'kind', render: (o) => [o.kind || '', o.version ? h('div', { class: 'muted small observer-version' }, `v${o.version}`) : null] },
      { key: 'campaign_id', label: 'campaign', render: (o) => (o.campaign_id ? a('workflows', { campaign_id: o.campaign_id }, o.campaign_id) : '') },
      { key: 'state', label: 'state', render: state },
      { key: 'hostname', label: 'host', render: (o) => [o.hostname || '', o.pid != null ? h('span', { class: 'muted' }, ` pid ${o.pid}`) : null] },
      { key: 'counters', label: 'counters', render: (o) => counters(o.counters) },
      {
        key: 'at',
        label: 'last report',
        render: (o) =>
          h(
            'span',
            { class: 'observer-age', title: `made ${fmtTime(o.at)}, received ${fmtTime(o.received_at)}; silent after ${fmtDuration(o.silent_after_s)} without a report` },
            `${ago(o.report_age_s)}`,
            o.interval != null ? h('div', { class: 'muted small' }, `every ${fmtDuration(o.interval)}`) : null,
            o.started_at != null ? h('div', { class: 'muted small observer-started' }, `up since ${fmtTime(o.started_at)}`) : null
          ),
      },
      { key: 'last_poll_at', label: 'last poll', render: (o) => fmtTime(o.last_poll_at) },
      {
        key: 'last_error',
        label: 'last error',
        render: (o) =>
          o.last_error
            ? h('div', { class: 'observer-error' }, h('span', { class: 'err-text' }, o.last_error), o.last_error_at ? h('div', { class: 'muted' }, fmtTime(o.last_error_at)) : null)
            : '',
      },
    ],
    os,
    {
      rowAttrs: (o) => ({ class: o.silent ? 'silent' : null, dataset: { observerId: o.observer_id, silent: String(!!o.silent) } }),
      empty: 'No observer has reported yet. Observers send a status report on the event stream every few seconds.',
    }
  );
}

/** Fields of a report the table has no column for (custom_metadata and any others the observer sent), on demand. */
const SHOWN = new Set(['type', 'observer_id', 'name', 'kind', 'version', 'campaign_id', 'state', 'hostname', 'pid', 'counters', 'at', 'received_at', 'report_age_s', 'silent', 'silent_for_s', 'silent_after_s', 'interval', 'started_at', 'last_poll_at', 'last_error', 'last_error_at']);

function extra(o) {
  const rest = {};
  for (const [k, v] of Object.entries(o)) if (!SHOWN.has(k) && v !== null && v !== undefined && !(typeof v === 'object' && !Object.keys(v).length)) rest[k] = v;
  if (!Object.keys(rest).length) return null;
  return h('details', { class: 'observer-extra' }, h('summary', { class: 'muted small' }, `${Object.keys(rest).length} more`), kv(rest));
}

function state(o) {
  const badges = [h('span', { class: `status obs-${o.state || 'unknown'}` }, (o.state || 'unknown').toUpperCase())];
  if (o.silent) badges.push(' ', h('span', { class: 'status obs-silent', title: `no report for ${fmtDuration(o.silent_for_s)}` }, 'SILENT'));
  return badges;
}

function counters(c) {
  const names = [...MAIN_COUNTERS.filter((k) => k in (c || {})), ...Object.keys(c || {}).filter((k) => !MAIN_COUNTERS.includes(k)).sort()];
  if (!names.length) return h('span', { class: 'muted' }, 'none');
  return h(
    'span',
    { class: 'counters' },
    names.map((k) => h('span', { class: `counter${(k === 'rejected' || k === 'dropped') && c[k] > 0 ? ' warn' : ''}`, dataset: { counter: k } }, `${k} ${fmtNumber(c[k])}`))
  );
}

/** "4 s ago", "3 min 2 s ago" from an age in seconds. */
export function ago(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return '';
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  return `${fmtDuration(Math.round(seconds))} ago`;
}
