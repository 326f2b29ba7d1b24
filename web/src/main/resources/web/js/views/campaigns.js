// #/campaigns — the start page: server figures, campaigns with counts, recent tasks live.

import { api } from '../api.js';
import { h, a, table, fmtNumber, fmtTime, loading, setTitle, errorBox, fill } from '../ui.js';
import { feed } from './live.js';

export default async function campaigns(main, params, ctx) {
  setTitle('Campaigns');
  const stats = h('div', { class: 'cards' });
  const list = h('section', { class: 'panel' }, loading('Loading campaigns'));
  const recent = h('section', { class: 'panel' });
  const wfs = h('section', { class: 'panel', hidden: true });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Campaigns'), h('div', { class: 'actions' }, a('workflows', {}, 'All workflows ›'))),
    stats,
    h('div', { class: 'cols' }, h('div', {}, list, wfs), recent)
  );
  api
    .workflows({ limit: 10 })
    .then(({ workflows: ws }) => {
      if (ctx.stale() || !ws.length) return;
      wfs.hidden = false;
      fill(
        wfs,
        h('div', { class: 'panel-head' }, h('h2', {}, 'Workflows'), a('workflows', {}, 'all ›')),
        table(
          [
            { key: 'workflow_id', label: 'workflow', render: (w) => a('workflows', { id: w.workflow_id }, w.name || w.workflow_id) },
            { key: 'campaign_id', label: 'campaign' },
            { key: 'started_at', label: 'started', render: (w) => fmtTime(w.started_at) },
            { key: 'task_count', label: 'tasks', class: 'num', render: (w) => fmtNumber(w.task_count) },
          ],
          ws
        )
      );
    })
    .catch(() => wfs.remove());

  api
    .health()
    .then((hh) => {
      stats.append(
        card('tasks', hh.tasks),
        card('events ingested', hh.ingested),
        card('pending', hh.pending),
        card('dead letters', hh.dead_letters, hh.dead_letters > 0 ? 'warn' : ''),
        card('server', hh.status, hh.status === 'ok' ? 'ok' : 'warn')
      );
    })
    .catch(() => stats.append(card('server', 'unreachable', 'warn')));

  const closeFeed = feed(recent, {}, { title: 'Tasks arriving now', max: 12, compact: true });

  try {
    const { campaigns: cs } = await api.campaigns();
    if (ctx.stale()) return closeFeed;
    fill(list, 
      h('h2', {}, `${cs.length} campaign${cs.length === 1 ? '' : 's'}`),
      table(
        [
          { key: 'campaign_id', label: 'campaign', render: (c) => a('workflows', { campaign_id: c.campaign_id }, c.campaign_id) },
          { key: 'workflow_count', label: 'workflows', class: 'num', render: (c) => fmtNumber(c.workflow_count) },
          { key: 'task_count', label: 'tasks', class: 'num', render: (c) => fmtNumber(c.task_count) },
          {
            key: 'actions',
            label: '',
            class: 'row-actions',
            render: (c) =>
              h(
                'span',
                {},
                a('workflows', { campaign_id: c.campaign_id, view: 'failed' }, 'failed runs'),
                ' · ',
                a('overview', { campaign_id: c.campaign_id }, 'workflow graph'),
                ' · ',
                a('live', { campaign_id: c.campaign_id }, 'live'),
                ' · ',
                h('a', { href: api.provUrl('campaigns', c.campaign_id), download: '', class: 'prov-link' }, 'PROV-JSON')
              ),
          },
        ],
        cs,
        {
          rowAttrs: (c) => ({ dataset: { campaignId: c.campaign_id } }),
          empty: 'No campaigns yet. Point an observer at this server, or POST events to /api/events.',
        }
      )
    );
  } catch (e) {
    fill(list, errorBox(e));
  }
  return closeFeed;
}

function card(label, value, cls = '') {
  return h('div', { class: `card ${cls}` }, h('div', { class: 'card-value' }, fmtNumber(value ?? '–')), h('div', { class: 'card-label' }, label));
}

