// DOM helpers. Everything from the service reaches the page as text nodes or attribute values, never as HTML.

/**
 * Creates an element. attrs: `class`, `text`, `on<event>` handlers, `dataset`, and plain attributes
 * (`null`/`false` leave the attribute out, `true` sets it empty). Children: nodes, strings, numbers, arrays; null skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') for (const [k, v] of Object.entries(value)) { if (v != null) el.dataset[k] = String(v); }
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  appendChildren(el, children);
  return el;
}

/** Replaces an element's children; like replaceChildren, but null and false are skipped (not written as "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
  return el;
}

export function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** A section with a heading, for the page's outline (screen readers jump by headings). */
export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', { text: title }), ...children);
}

/** A table from column headings and rows of cells (nodes or text). */
export function table(headings, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows.map((cells) => (cells instanceof Node ? cells : h('tr', {}, cells.map((c) => h('td', {}, c)))))));
}

export function empty(text) {
  return h('p', { class: 'empty', text });
}

/** A message for a failed request, in an element screen readers announce. */
export function errorBox(message, attrs = {}) {
  return h('div', { class: 'error', role: 'alert', ...attrs }, message);
}

/** Calls fn at most once per `ms`, with the arguments of the last call. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** Sets the text of the page's polite live region (new alerts, submitted checks) for screen readers. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node in a later task is announced even when the same words come twice.
  setTimeout(() => { region.textContent = text; }, 50);
}
