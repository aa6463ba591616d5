// The patient chart's biomarker panel (issue 16): one small plot per analyte present, on the timeline's time axis with
// the same CRS/ICANS grade bands and dose lines, the latest value and every result in words; and the research scores
// EASIX and m-EASIX at each dose and over time, each value with its formula, its inputs and their times, and the words
// "research score, not validated for this drug; not for treatment decisions" beside it. Labs never change a grade
// (CRS-ORGAN); the panel says so. Everything reaches the page as text (dom.js), no inline style (the page's CSP).

import uPlot from 'uplot';
import { api, enc } from './api.js';
import { h, fill, table, empty } from './dom.js';
import { formatDateTime, timeEl } from './format.js';
import { drawBands, drawDoses, segments, timeRange, timeSync } from './chart.js';

export const getPatientBiomarkers = (id) => api(`/api/patients/${enc(id)}/biomarkers`);

const seconds = (iso) => Date.parse(iso) / 1000;
const plotHeight = 96;

/** UCUM units as a reader writes them (10*9/L → 10⁹/L, ug → µg, {FEU} → FEU). */
export function unitText(unit) {
  return String(unit ?? '')
    .replace(/10\*(\d+)/g, (_, power) => `10${[...power].map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]).join('')}`)
    .replace(/\bu(g|mol|kat|L)\b/g, 'µ$1')
    .replace(/\{([^}]*)\}/g, ' $1')
    .replace('[IU]', 'IU');
}

/** A number for reading: up to 2 decimals (an exact value is kept in the element's title). */
export function numberText(value) {
  if (value == null) return '—';
  const n = Number(value);
  return Number.isInteger(n) ? String(n) : n.toLocaleString('en', { maximumFractionDigits: 2, useGrouping: false });
}

/** The time axis the timeline and the biomarker plots share: the timeline's range, widened to every result and score. */
export function sharedRange(chart, biomarkers) {
  const own = timeRange(chart ?? {});
  const times = [
    ...(biomarkers?.analytes ?? []).flatMap((a) => a.points ?? []).map((p) => p.at),
    ...(biomarkers?.scores ?? []).flatMap((s) => (s.preDose ?? []).map((d) => d.startedAt)),
  ].filter(Boolean).map(seconds);
  if (!times.length || chart?.from) return own;
  return { from: Math.min(own.from, ...times), to: Math.max(own.to, ...times) };
}

function pointText(point, unit) {
  const value = point.value == null ? point.original : `${numberText(point.value)} ${unitText(unit)}`;
  const sent = point.value != null && point.original && !point.original.endsWith(` ${unit}`) ? ` (sent as ${point.original})` : '';
  return `${value}${point.qualifier ? ` ${point.qualifier}` : ''}${sent}`;
}

/** One analyte: its name, latest result, a small plot over the shared axis (value and unit on hover), and every result. */
function analyteRow(analyte, chart, range, plots) {
  const points = [...(analyte.points ?? [])].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const latest = points.at(-1);
  const plot = h('div', { class: 'biomarker-plot', role: 'img', 'aria-label': `${analyte.display} over time, in ${unitText(analyte.unit)}` });
  const row = h('div', { class: 'biomarker', 'data-testid': 'analyte', 'data-analyte': analyte.key },
    h('div', { class: 'biomarker-head' },
      h('strong', { text: `${analyte.display} (${unitText(analyte.unit)})` }),
      latest ? h('span', { class: 'biomarker-latest', 'data-testid': 'analyte-latest' }, ` latest ${pointText(latest, analyte.unit)} `, h('span', { class: 'muted' }, '(', timeEl(latest.at), ')')) : null),
    plot);
  const numeric = points.filter((p) => p.value != null);
  if (!numeric.length) {
    plot.replaceChildren(h('p', { class: 'muted small', text: 'No numeric result to plot (censored values only: see the list).' }));
    return row;
  }

  const { from, to } = range;
  const bands = [
    { label: '', segs: segments(chart?.grades?.crs, to) },
    { label: '', segs: segments(chart?.grades?.icans, to) },
  ];
  const data = [numeric.map((p) => seconds(p.at)), numeric.map((p) => Number(p.value))];
  const values = data[1];
  const low = Math.min(0, ...values);
  const high = Math.max(...values);
  const options = {
    width: 320,
    height: plotHeight,
    cursor: { sync: { key: timeSync } },
    legend: { show: true, live: true },
    scales: { x: { time: true, range: () => [from, to] }, y: { range: [low, high > low ? high * 1.1 : low + 1] } },
    axes: [{ grid: { stroke: 'rgba(0,0,0,0.06)' } }, { size: 56, grid: { stroke: 'rgba(0,0,0,0.06)' } }],
    series: [
      { value: (u, v) => (v == null ? '—' : formatDateTime(v * 1000)) },
      {
        label: `${analyte.display} ${unitText(analyte.unit)}`, stroke: '#0f766e', width: 2, spanGaps: true, points: { show: true, size: 6 },
        value: (u, v) => (v == null ? '—' : `${numberText(v)} ${unitText(analyte.unit)}`),
      },
    ],
    hooks: {
      drawClear: [(u) => drawBands(u, bands)],
      draw: [(u) => drawDoses(u, chart?.doses, { labels: false })],
    },
  };
  plots.push({ element: plot, create: (width) => new uPlot({ ...options, width }, data, plot) });
  return row;
}

/** Every result of every analyte, in time order, with the value as sent and its source. */
function resultsTable(analytes) {
  const rows = analytes.flatMap((a) => (a.points ?? []).map((p) => ({ a, p })))
    .sort((x, y) => Date.parse(x.p.at) - Date.parse(y.p.at));
  return h('details', {}, h('summary', {}, `All ${rows.length} results`),
    table(['Taken', 'Analyte', 'Value', 'As sent', 'Source'], rows.map(({ a, p }) => h('tr', { 'data-testid': 'lab-result', 'data-analyte': a.key },
      h('td', {}, timeEl(p.at)),
      h('td', { text: a.display }),
      h('td', { text: p.value == null ? `${p.original} (censored: a bound, no number)` : `${numberText(p.value)} ${unitText(a.unit)}${p.qualifier ? ` ${p.qualifier}` : ''}` }),
      h('td', { text: p.original ?? '—' }),
      h('td', { class: 'muted small', text: p.source ? `${p.source.resourceType}/${p.source.id} v${p.source.versionId}` : '—' })))));
}

/** The inputs' names in the formulas' words. */
const inputNames = { ldh: 'LDH', crp: 'CRP', creatinine: 'creatinine', platelets: 'platelets' };

/** A score's short name (EASIX, m-EASIX): its display up to the source in brackets. */
const scoreName = (score) => String(score.display ?? score.key).split(' (')[0];

function inputsList(inputs) {
  if (!inputs?.length) return null;
  return h('ul', { class: 'score-inputs', 'data-testid': 'score-inputs' },
    inputs.map((i) => h('li', { 'data-input': i.key }, `${inputNames[i.key] ?? i.key} ${numberText(i.value)} ${unitText(i.unit)}, taken `, timeEl(i.at))));
}

/** A score value with the research notice beside it and the inputs it used; or "no score" with the reason. */
function scoreValue(score, { value, reason, inputs }, attrs) {
  if (value == null) {
    return h('div', { class: 'score-value none', 'data-testid': 'no-score', ...attrs },
      h('span', { class: 'no-score', text: `No ${scoreName(score)} score: ` }),
      h('span', { 'data-testid': 'no-score-reason', text: reason ?? 'an input is missing' }),
      inputsList(inputs));
  }
  return h('div', { class: 'score-value', 'data-testid': 'score-value', ...attrs },
    h('span', { class: 'score-number', title: String(value), text: `${scoreName(score)} ${numberText(value)}` }),
    h('span', { class: 'score-notice', 'data-testid': 'score-notice', text: score.notice }),
    inputsList(inputs));
}

function scoreBlock(score) {
  const preDose = score.preDose ?? [];
  const series = score.series ?? [];
  return h('div', { class: 'score', 'data-testid': 'score', 'data-score': score.key },
    h('h3', { text: score.display }),
    h('p', { class: 'score-formula', 'data-testid': 'score-formula', text: score.formula }),
    h('p', { class: 'score-notice banner', text: `Research score: ${score.notice}. It never changes a grade or an alert.` }),
    h('h4', { text: 'At each dose (labs up to the look-back before the infusion start)' }),
    preDose.length
      ? preDose.map((d) => h('div', { class: 'score-dose' },
        h('div', { class: 'small' }, `${d.drug} infusion start `, timeEl(d.startedAt)),
        scoreValue(score, d, { 'data-dose-id': d.doseId })))
      : empty('No doses recorded.'),
    h('h4', { text: 'Over time (at each new result, when every input is fresh)' }),
    series.length
      ? h('div', { class: 'score-series' }, series.map((p) => h('div', { class: 'score-point' },
        h('div', { class: 'small' }, timeEl(p.at)), scoreValue(score, { value: p.value, reason: null, inputs: p.inputs }, { 'data-at': p.at }))))
      : empty(`No ${scoreName(score)} score over time: no instant with every input present and fresh.`));
}

/**
 * Draws GET /api/patients/{id}/biomarkers into `container` over `range` (sharedRange), with the grade bands and doses of
 * the timeline's `chart` answer. Returns {destroy}.
 */
export function biomarkerPanel(container, biomarkers, chart, range = sharedRange(chart, biomarkers)) {
  const analytes = biomarkers?.analytes ?? [];
  const plots = [];
  const rows = analytes.map((a) => analyteRow(a, chart, range, plots));
  fill(container,
    h('p', { class: 'muted small', text: 'Laboratory results, on the timeline\'s time axis with its grade bands and doses. They never change the CRS or ICANS grade (CRS-ORGAN).' }),
    analytes.length ? h('div', { class: 'biomarkers', 'data-testid': 'biomarkers' }, rows, resultsTable(analytes)) : empty('No laboratory results.'),
    h('div', { class: 'scores', 'data-testid': 'research-scores' }, (biomarkers?.scores ?? []).map(scoreBlock)));

  const width = () => Math.max(320, (container.clientWidth || 800) - 8);
  const made = plots.map((p) => p.create(width()));
  const resize = new ResizeObserver(() => {
    for (const u of made) {
      if (Math.abs(width() - u.width) > 4) u.setSize({ width: width(), height: plotHeight });
    }
  });
  resize.observe(container);
  return {
    destroy() {
      resize.disconnect();
      made.forEach((u) => u.destroy());
    },
  };
}
