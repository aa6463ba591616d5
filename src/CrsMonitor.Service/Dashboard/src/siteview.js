// #/site: the site view (physicians and researchers). Per protocol drug and step-up dose, the cumulative incidence of
// CRS and ICANS (Kaplan-Meier, %) against hours since the infusion start, across the site's patients, with the label's
// median onset drawn as a band. Aggregate only: GET /api/research/incidence holds no patient, and this page asks for
// nothing else (no census, no hub), so a researcher's token, which has no unit, sees it and nothing more.

import { api } from './api.js';
import { h, errorBox, empty } from './dom.js';
import { timeEl } from './format.js';
import { researchDownloads } from './research.js';

const svgNs = 'http://www.w3.org/2000/svg';
const scales = [
  { key: 'crs', name: 'CRS' },
  { key: 'icans', name: 'ICANS' },
];

/** Chart geometry (SVG user units; the SVG scales with its box). */
const size = { width: 640, height: 300, left: 52, right: 16, top: 28, bottom: 44 };
const plotWidth = size.width - size.left - size.right;
const plotHeight = size.height - size.top - size.bottom;

export const getIncidence = () => api('/api/research/incidence');

/** An SVG element; attributes as presentation attributes (the page's CSP allows no inline style). */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child != null && child !== false) el.append(child);
  return el;
}

const hoursText = (value) => `${Number(value.toFixed(2))}`;
const percent = (incidence) => `${Number((incidence * 100).toFixed(1))} %`;
const rangeText = (onset) => (onset.fromHours === onset.toHours ? hoursText(onset.fromHours) : `${hoursText(onset.fromHours)}-${hoursText(onset.toHours)}`);

/** A tick step giving at most 8 ticks up to `max` hours, and the axis end (a whole number of steps). */
function hourAxis(max) {
  const step = [6, 12, 24, 48, 72, 120, 168, 336, 720].find((s) => max / s <= 8) ?? 720;
  return { step, end: Math.max(step, Math.ceil(max / step) * step) };
}

/** The x extent: the longest follow-up, and the label's median, at least a day. */
function extentOf(dose, onset) {
  const labels = scales.map((s) => onset?.[s.key]?.toHours ?? 0);
  const followUps = scales.map((s) => dose.scales[s.key].followUpHours);
  return hourAxis(Math.max(24, ...labels, ...followUps));
}

/** The step path of a curve: flat to each event time, up to the new incidence, flat again to the longest follow-up. */
function stepPath(curve, followUpHours, x, y) {
  const points = curve.length ? curve : [{ hours: 0, incidence: 0 }];
  let d = `M${x(0)},${y(0)}`;
  for (const p of points) d += ` H${x(p.hours)} V${y(p.incidence)}`;
  return `${d} H${x(Math.max(followUpHours, points.at(-1).hours))}`;
}

function axes(axis, x, y) {
  const ticks = [];
  for (let hours = 0; hours <= axis.end; hours += axis.step) {
    ticks.push(svg('line', { class: 'grid', x1: x(hours), x2: x(hours), y1: size.top, y2: size.top + plotHeight }));
    ticks.push(svg('text', { class: 'tick', x: x(hours), y: size.top + plotHeight + 16, 'text-anchor': 'middle', text: hours }));
  }
  for (const pct of [0, 25, 50, 75, 100]) {
    ticks.push(svg('line', { class: 'grid', x1: size.left, x2: size.left + plotWidth, y1: y(pct / 100), y2: y(pct / 100) }));
    ticks.push(svg('text', { class: 'tick', x: size.left - 6, y: y(pct / 100) + 4, 'text-anchor': 'end', text: `${pct}` }));
  }
  return [
    ...ticks,
    svg('line', { class: 'axis', x1: size.left, x2: size.left + plotWidth, y1: size.top + plotHeight, y2: size.top + plotHeight }),
    svg('line', { class: 'axis', x1: size.left, x2: size.left, y1: size.top, y2: size.top + plotHeight }),
    svg('text', { class: 'axis-label', x: size.left + plotWidth / 2, y: size.height - 6, 'text-anchor': 'middle', text: 'hours since the start of the infusion' }),
    svg('text', { class: 'axis-label', x: 14, y: size.top + plotHeight / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${size.top + plotHeight / 2})`, text: 'cumulative incidence %' }),
  ];
}

/** The label's median onset: a band from..to (a line for a single value), labelled above the plot. */
function onsetBand(scale, onset, x, both, row) {
  const from = x(onset.fromHours);
  const width = Math.max(2, x(onset.toHours) - from);
  const text = `label median onset ${rangeText(onset)} h${both ? ` (${scale.name})` : ''}`;
  return svg('g', { 'data-testid': 'label-onset', 'data-scale': scale.key, 'data-from-hours': onset.fromHours, 'data-to-hours': onset.toHours, class: `onset onset-${scale.key}` },
    svg('title', { text: `${scale.name}: ${text}, from the ${onset.anchor} of the infusion. Source: ${onset.source}` }),
    svg('rect', { class: 'onset-band', x: from, y: size.top, width, height: plotHeight }),
    svg('text', { class: 'onset-label', x: from + width / 2, y: size.top - 8 - row * 12, 'text-anchor': 'middle', text }));
}

function chart(dose, onset) {
  const axis = extentOf(dose, onset);
  const x = (hours) => +(size.left + (Math.min(hours, axis.end) / axis.end) * plotWidth).toFixed(2);
  const y = (incidence) => +(size.top + (1 - incidence) * plotHeight).toFixed(2);
  const bands = scales.filter((s) => onset?.[s.key]);
  const curves = scales.map((s) => {
    const scale = dose.scales[s.key];
    return svg('path', {
      class: `curve curve-${s.key}`, d: stepPath(scale.curve, scale.followUpHours, x, y), 'data-testid': 'curve', 'data-scale': s.key,
      'data-events': scale.events, 'data-censored': scale.censored,
      'data-final-incidence': scale.curve.at(-1)?.incidence ?? 0,
    });
  });
  const description = scales.map((s) => `${s.name} ${percent(dose.scales[s.key].curve.at(-1)?.incidence ?? 0)}`).join(', ');
  return svg('svg', {
    class: 'incidence-chart', viewBox: `0 0 ${size.width} ${size.height}`, role: 'img',
    'aria-label': `Cumulative incidence after ${dose.label}: ${description} by the end of follow-up; n = ${dose.n}.`,
  },
  ...axes(axis, x, y),
  ...bands.map((s, i) => onsetBand(s, onset[s.key], x, bands.length > 1, i)),
  ...curves);
}

function counts(dose) {
  const line = (s) => {
    const scale = dose.scales[s.key];
    const median = scale.medianOnsetHours == null ? 'no onset yet' : `observed median onset ${hoursText(scale.medianOnsetHours)} h`;
    return h('li', { class: `count count-${s.key}`, 'data-testid': 'scale-counts', 'data-scale': s.key, 'data-events': scale.events },
      h('span', { class: `key key-${s.key}`, 'aria-hidden': 'true' }),
      `${s.name}: ${scale.events} event${scale.events === 1 ? '' : 's'}, ${scale.censored} censored, ${median}`);
  };
  return h('ul', { class: 'site-counts' },
    h('li', { 'data-testid': 'dose-n' }, `n = ${dose.n} dose${dose.n === 1 ? '' : 's'} at risk`),
    scales.map(line));
}

/** The curve's steps as a table, for screen readers and for reading exact values. */
function stepsTable(dose) {
  const rows = scales.flatMap((s) => dose.scales[s.key].curve.map((p) => h('tr', {},
    h('td', { text: s.name }), h('td', { text: hoursText(p.hours) }), h('td', { text: percent(p.incidence) }))));
  return h('details', { class: 'steps' }, h('summary', { text: 'Steps of the curves' }),
    h('table', {}, h('thead', {}, h('tr', {}, ['Scale', 'From hour', 'Cumulative incidence'].map((t) => h('th', { scope: 'col', text: t })))), h('tbody', {}, rows)));
}

function doseFigure(drug, dose) {
  const title = `${drug.drug}: ${dose.label}`;
  return h('figure', { class: 'panel site-dose', 'data-testid': 'incidence-chart', 'data-drug': drug.drug, 'data-step-up-index': dose.stepUpIndex, 'data-n': dose.n },
    h('figcaption', {}, h('h3', { text: title })),
    dose.n > 0
      ? [chart(dose, drug.labelMedianOnset), counts(dose), stepsTable(dose)]
      : [empty(`No ${dose.label} given at this site yet.`), labelOnsetText(drug.labelMedianOnset)]);
}

function labelOnsetText(onset) {
  const known = scales.filter((s) => onset?.[s.key]);
  if (!known.length) return h('p', { class: 'muted small', text: 'The protocol file gives no label median onset.' });
  return h('p', { class: 'muted small' }, known.map((s) => `${s.name}: label median onset ${rangeText(onset[s.key])} h. `));
}

function drugSection(drug) {
  return h('section', { class: 'site-drug', 'data-testid': 'site-drug', 'data-drug': drug.drug, 'aria-labelledby': `drug-${drug.drug}` },
    h('h2', { id: `drug-${drug.drug}`, text: drug.drug }),
    h('p', { class: 'muted small', text: `Protocol ${drug.protocolId}` }),
    drug.doses.length ? h('div', { class: 'site-doses' }, drug.doses.map((d) => doseFigure(drug, d))) : empty('The protocol has no step-up dose.'));
}

/** Renders the site view into `main` (with the research downloads for a researcher); returns the cleanup for the router. */
export function siteViewPage(main, { me } = {}) {
  const body = h('div', { class: 'site-body' }, h('p', { class: 'muted', text: 'Loading…' }));
  const asOf = h('p', { class: 'muted', 'aria-live': 'polite' });
  main.replaceChildren(h('div', { class: 'page site-page', 'data-testid': 'site-view' },
    h('div', { class: 'page-head' }, h('h1', { text: 'Site view' }), asOf),
    h('p', { class: 'muted small' },
      'Cumulative incidence (Kaplan-Meier) of CRS and ICANS after each step-up dose, by hours since the start of the infusion, across this site’s patients. ',
      'Each dose is followed until its first episode, the next dose, now, or the horizon; the next dose and death count as censoring, not as competing events. ',
      'The shaded band is the label’s median onset.'),
    me?.roles.includes('researcher') ? researchDownloads() : null,
    body));
  let live = true;
  getIncidence().then((answer) => {
    if (!live) return;
    asOf.replaceChildren('As of ', timeEl(answer.generatedAt), ` · follow-up up to ${answer.horizonHours} h`);
    // Drugs given at this site first, then the others (their step-up doses without a curve).
    const given = (d) => d.doses.some((dose) => dose.n > 0);
    const drugs = [...answer.drugs].sort((a, b) => Number(given(b)) - Number(given(a)) || a.drug.localeCompare(b.drug));
    body.replaceChildren(...(drugs.length ? drugs.map(drugSection) : [empty('No protocol drug is loaded.')]));
  }).catch((e) => {
    if (live) body.replaceChildren(errorBox(`The site view could not be loaded: ${e.message}`, { 'data-testid': 'site-error' }));
  });
  return () => { live = false; };
}
