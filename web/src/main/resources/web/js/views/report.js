// #/report?id=…&format=markdown|json — the lifecycle report of an entity (or task): where it came from,
// what used it. Markdown is rendered with a small safe renderer (text only, no raw HTML).

import { api } from '../api.js';
import { h, a, link, errorBox, loading, setTitle, fill } from '../ui.js';

export default async function report(main, params, ctx) {
  const id = params.get('id') || '';
  const format = params.get('format') === 'json' ? 'json' : 'markdown';
  setTitle('Report', id);
  const idInput = h('input', { type: 'search', class: 'grow', value: id, placeholder: 'entity or task id', 'aria-label': 'id' });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Lifecycle report'), id ? h('div', { class: 'actions' }, a('lineage', { id, direction: 'both', depth: 3 }, 'Lineage')) : null),
    h(
      'form',
      { class: 'toolbar', onsubmit: (e) => (e.preventDefault(), (location.hash = link('report', { id: idInput.value.trim(), format }))) },
      idInput,
      h('button', { class: 'btn primary', type: 'submit' }, 'Show'),
      id
        ? h(
            'span',
            { class: 'segmented' },
            h('a', { class: `seg ${format === 'markdown' ? 'on' : ''}`, href: link('report', { id, format: 'markdown' }) }, 'Report'),
            h('a', { class: `seg ${format === 'json' ? 'on' : ''}`, href: link('report', { id, format: 'json' }) }, 'JSON')
          )
        : null,
      id ? h('a', { class: 'btn', href: api.reportUrl(id, 'markdown'), download: 'report.md' }, '↓ Markdown') : null,
      id ? h('a', { class: 'btn', href: api.reportUrl(id, 'json'), download: 'report.json' }, '↓ JSON') : null
    )
  );
  const body = h('section', { class: 'panel report', id: 'report' });
  main.append(body);
  if (!id) {
    body.append(h('p', { class: 'muted' }, 'Give an entity id (e.g. a file:// or model:// URI): the report tells how it was produced and what used it.'));
    return;
  }
  body.append(loading('Building the report'));
  try {
    if (format === 'markdown') {
      const md = await api.reportMarkdown(id);
      if (ctx.stale()) return;
      fill(body, markdown(typeof md === 'string' ? md : JSON.stringify(md, null, 2)));
    } else {
      const js = await api.report(id);
      if (ctx.stale()) return;
      fill(body, tree(js));
    }
  } catch (e) {
    fill(body, errorBox(e));
  }
}

/** Collapsible tree of a JSON value. */
export function tree(v, depth = 0) {
  if (v === null || typeof v !== 'object') return h('span', { class: `jv ${v === null ? 'null' : typeof v}` }, JSON.stringify(v));
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  if (!entries.length) return h('span', { class: 'jv' }, Array.isArray(v) ? '[]' : '{}');
  return h(
    'details',
    { class: 'jtree', open: depth < 2 },
    h('summary', {}, Array.isArray(v) ? `[${entries.length}]` : `{${entries.length}}`),
    h('ul', {}, entries.map(([k, x]) => h('li', {}, h('span', { class: 'jk' }, String(k)), ': ', tree(x, depth + 1))))
  );
}

/** A small Markdown subset: headings, lists, tables, code blocks, inline code, bold, italics, links. */
export function markdown(src) {
  const out = h('div', { class: 'md' });
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      const buf = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i])) buf.push(lines[i++]);
      i++;
      out.append(h('pre', {}, h('code', {}, buf.join('\n'))));
      continue;
    }
    const hm = /^(#{1,6})\s+(.*)$/.exec(line);
    if (hm) {
      out.append(h('h' + Math.min(6, hm[1].length + 1), {}, inline(hm[2])));
      i++;
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
      const cells = (l) =>
        l
          .trim()
          .replace(/^\|/, '')
          .replace(/(?<!\\)\|$/, '')
          .split(/(?<!\\)\|/)
          .map((c) => c.trim());
      const head = cells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && /^\s*\|/.test(lines[i])) rows.push(cells(lines[i++]));
      out.append(
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, inline(c))))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, inline(c))))))))
      );
      continue;
    }
    if (/^\s*([-*+]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const list = h(ordered ? 'ol' : 'ul', {});
      while (i < lines.length && /^\s*([-*+]|\d+\.)\s+/.test(lines[i])) {
        const indent = /^\s*/.exec(lines[i])[0].length;
        list.append(h('li', { style: indent ? { marginLeft: `${indent * 0.6}em` } : null }, inline(lines[i].replace(/^\s*([-*+]|\d+\.)\s+/, ''))));
        i++;
      }
      out.append(list);
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|\s*\||\s*([-*+]|\d+\.)\s)/.test(lines[i])) para.push(lines[i++]);
    if (!para.length) para.push(lines[i++]);
    out.append(h('p', {}, inline(para.join(' '))));
  }
  return out;
}

/** Inline markup to nodes: `code`, **bold**, *em*, [text](url) (http(s) and #/ links only). */
function inline(s) {
  const nodes = [];
  const re = /(\\[\\`*_{}\[\]()#+\-.!|<>~])|(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*)|(\[[^\]]+\]\([^)\s]+\))/g;
  let last = 0;
  let m;
  while ((m = re.exec(s))) {
    if (m.index > last) nodes.push(s.slice(last, m.index));
    const t = m[0];
    if (m[1]) nodes.push(t.slice(1));
    else if (m[2]) nodes.push(h('code', {}, t.slice(1, -1)));
    else if (m[3]) nodes.push(h('strong', {}, t.slice(2, -2)));
    else if (m[4]) nodes.push(h('em', {}, t.slice(1, -1)));
    else {
      const lm = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(t);
      const href = lm[2];
      nodes.push(/^(https?:|#\/)/.test(href) ? h('a', { href, rel: 'noopener' }, lm[1]) : `${lm[1]} (${href})`);
    }
    last = m.index + t.length;
  }
  if (last < s.length) nodes.push(s.slice(last));
  return nodes;
}
