// Small DOM helpers. Data is only ever inserted as text (never innerHTML), so ids and logs cannot inject markup.

import { qs } from './api.js';

/** h('a', {href, class, onclick}, 'text', child…) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

/** Replaces el's children, skipping null/undefined/false (unlike replaceChildren, which would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** SVG element with attributes. */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
  append(el, children);
  return el;
}

/** '#/route?k=v' with every value encoded (ids are URIs full of / # ? %). */
export function link(route, params) {
  return '#/' + route + qs(params);
}

export function a(route, params, ...children) {
  return h('a', { href: link(route, params) }, ...children);
}

export function fmtTime(sec) {
  if (sec === null || sec === undefined || sec === '' || isNaN(sec)) return '';
  const d = new Date(Number(sec) * 1000);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const ms = d.getMilliseconds() ? '.' + p(d.getMilliseconds(), 3) : '';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${ms}`;
}

export function fmtDuration(sec) {
  if (sec === null || sec === undefined || isNaN(sec)) return '';
  const s = Number(sec);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function fmtNumber(n) {
  if (n === null || n === undefined) return '';
  if (typeof n !== 'number') return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 1000 || Math.abs(n) < 0.001 ? n.toPrecision(4) : String(Math.round(n * 10000) / 10000);
}

export function status(s) {
  const v = (s || 'UNKNOWN').toUpperCase();
  return h('span', { class: `status st-${v.toLowerCase()}`, title: v }, v);
}

/** A value as short text: objects as JSON. */
export function text(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The error box for an ApiError (title, status, detail and every {pointer, detail}). */
export function errorBox(err) {
  const box = h(
    'div',
    { class: 'error', role: 'alert' },
    h('div', { class: 'error-title' }, err.title || 'Error', err.status ? ` (${err.status})` : ''),
    err.detail || err.message ? h('div', { class: 'error-detail' }, err.detail || err.message) : null
  );
  if (err.errors && err.errors.length) {
    box.append(
      h(
        'ul',
        { class: 'error-list' },
        err.errors.map((e) =>
          h('li', {}, e.pointer ? h('code', { class: 'pointer' }, e.pointer) : null, ' ', e.detail || text(e))
        )
      )
    );
  }
  return box;
}

export function loading(what = 'Loading') {
  return h('div', { class: 'loading' }, h('span', { class: 'spinner' }), ` ${what}…`);
}

/**
 * A table. columns: [{key, label, render(row) → node|string, class}], rows: objects.
 * rowAttrs(row) → attributes for the <tr>.
 */
export function table(columns, rows, { rowAttrs, empty = 'Nothing here yet.' } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid' },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.class }, c.label ?? c.key)))),
      h(
        'tbody',
        {},
        rows.map((r) => row(columns, r, rowAttrs))
      )
    )
  );
}

export function row(columns, r, rowAttrs) {
  return h(
    'tr',
    rowAttrs ? rowAttrs(r) : {},
    columns.map((c) => h('td', { class: c.class }, c.render ? c.render(r) : text(r[c.key])))
  );
}

/** Previous / next paging for listings whose total is not known: next is on while a page comes back full. */
export function pager({ offset, limit, got, go }) {
  const from = got ? offset + 1 : offset;
  return h(
    'div',
    { class: 'pager' },
    h('button', { class: 'btn', disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, '‹ Previous'),
    h('span', { class: 'muted' }, got ? `${fmtNumber(from)}–${fmtNumber(offset + got)}` : 'no rows'),
    h('button', { class: 'btn', disabled: got < limit, onclick: () => go(offset + limit) }, 'Next ›')
  );
}

/** Key/value table of a (possibly nested) object; entity refs ({"@id"}) rendered by entity(ref). */
export function kv(obj, { entity } = {}) {
  const entries = Object.entries(obj || {});
  if (!entries.length) return h('p', { class: 'empty' }, 'none');
  return h(
    'table',
    { class: 'kv' },
    h(
      'tbody',
      {},
      entries.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, value(v, entity))))
    )
  );
}

function value(v, entity) {
  if (v && typeof v === 'object' && !Array.isArray(v) && v['@id'] && entity) return entity(v);
  if (Array.isArray(v) && entity && v.some((x) => x && typeof x === 'object' && x['@id']))
    return h('div', {}, v.map((x) => h('div', {}, value(x, entity))));
  if (v && typeof v === 'object') return h('code', { class: 'json' }, JSON.stringify(v));
  if (typeof v === 'number') return h('span', { class: 'num' }, fmtNumber(v));
  return text(v);
}

/** A download link (the browser saves the answer). */
export function download(href, label, filename) {
  return h('a', { class: 'btn', href, download: filename || '' }, '↓ ', label);
}

/** Strings for a hue per workflow id: stable across pages. */
export function hue(s) {
  let x = 2166136261;
  for (let i = 0; i < (s || '').length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619);
  return 40 + (Math.abs(x) % 260); // yellow … green … blue … purple: never the red of errors
}

export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), 'MIDA'].join(' · ');
}
