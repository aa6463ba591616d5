// The patient timeline (uPlot): temperature, systolic BP, SpO2, oxygen flow and ICE on one time axis, with the CRS
// grade shaded over the upper half of the background and the ICANS grade over the lower half, and dose markers.

import uPlot from 'uplot';
import { h, fill } from './dom.js';
import { formatDateTime, humanize } from './format.js';

/** Background tints by grade (0 = no shading); not gradable is grey. */
const bandColours = {
  1: 'rgba(234, 179, 8, 0.18)',
  2: 'rgba(249, 115, 22, 0.22)',
  3: 'rgba(220, 38, 38, 0.22)',
  4: 'rgba(127, 29, 29, 0.30)',
  5: 'rgba(0, 0, 0, 0.35)',
  'not-gradable': 'rgba(100, 116, 139, 0.22)',
};

const seconds = (iso) => Date.parse(iso) / 1000;
const byTime = (a, b) => Date.parse(a.at) - Date.parse(b.at);
const points = (list, value) => (list ?? []).filter((p) => p?.at && value(p) != null).map((p) => [seconds(p.at), value(p)]);
const iceScore = (p) => p.score ?? p.value;

/**
 * Oxygen support over time, one state per instant: the device and the flow may come as separate points (an
 * oxygen-device Observation and a flow Observation at the same time); a device without a flow keeps the previous
 * flow only while the device is unchanged; room air is 0 L/min.
 */
export function oxygenStates(list) {
  const states = new Map();
  let device = null;
  let flow = null;
  for (const p of [...(list ?? [])].filter((x) => x?.at).sort(byTime)) {
    const at = seconds(p.at);
    const previousDevice = device;
    if (p.device != null) device = p.device;
    if (p.flowLitresPerMinute != null) flow = p.flowLitresPerMinute;
    else if (p.device != null && (p.device === 'room-air' || p.device !== previousDevice) && !states.has(at)) flow = null;
    states.set(at, { at, device, flow: device === 'room-air' && p.flowLitresPerMinute == null ? 0 : flow });
  }
  return [...states.values()];
}

/** Charts drawn over the same time axis move their cursors together (the biomarker panel's plots). */
export const timeSync = 'patient-time';

/** The chart's time range: the answer's from/to, else from the earliest point shown to now. */
export function timeRange(chart) {
  const all = [chart.temperature, chart.systolicBp, chart.spo2, chart.oxygen, chart.ice, chart.grades?.crs, chart.grades?.icans, chart.doses]
    .flatMap((list) => (list ?? []).map((p) => p?.at).filter(Boolean).map(seconds));
  const to = chart.to ? seconds(chart.to) : Math.max(Date.now() / 1000, ...all);
  const from = chart.from ? seconds(chart.from) : (all.length ? Math.min(...all) : to - 24 * 3600);
  return { from, to };
}

/** Aligns the five series on one x array (uPlot.join), with the oxygen device kept per x for the legend. */
function alignedData(chart, to) {
  const oxygen = oxygenStates(chart.oxygen);
  const flow = oxygen.filter((o) => o.flow != null).map((o) => [o.at, o.flow]);
  // Oxygen support is a state: the last setting holds until the end of the chart.
  if (flow.length && to > flow[flow.length - 1][0]) flow.push([to, flow[flow.length - 1][1]]);
  const tables = [
    points(chart.temperature, (p) => p.value),
    points(chart.systolicBp, (p) => p.value),
    points(chart.spo2, (p) => p.value),
    flow,
    points(chart.ice, iceScore),
  ].map((pairs) => {
    const sorted = pairs.sort((a, b) => a[0] - b[0]);
    return [sorted.map((p) => p[0]), sorted.map((p) => p[1])];
  });
  const devices = new Map(oxygen.map((o) => [o.at, o.device]));
  const total = tables.reduce((n, t) => n + t[0].length, 0);
  return { data: total ? uPlot.join(tables) : null, devices, total, oxygen };
}

/** Grade segments [{from, to, key}] of a grade timeline, each lasting until the next point (the last until `end`). */
export function segments(list, end) {
  const sorted = [...(list ?? [])].filter((p) => p?.at).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return sorted.map((p, i) => ({
    from: seconds(p.at),
    to: i + 1 < sorted.length ? seconds(sorted[i + 1].at) : end,
    key: p.status === 'not-gradable' ? 'not-gradable' : p.grade,
  }));
}

export function drawBands(u, bands) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const half = height / 2;
  ctx.save();
  bands.forEach(({ label, segs }, row) => {
    for (const s of segs) {
      const colour = bandColours[s.key];
      if (!colour) continue;
      const x0 = Math.max(left, u.valToPos(s.from, 'x', true));
      const x1 = Math.min(left + width, u.valToPos(s.to, 'x', true));
      if (x1 <= x0) continue;
      ctx.fillStyle = colour;
      ctx.fillRect(x0, top + row * half, x1 - x0, half);
    }
    ctx.fillStyle = 'rgba(51, 65, 85, 0.8)';
    ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    ctx.fillText(label, left + 4 * devicePixelRatio, top + row * half + 3 * devicePixelRatio);
  });
  ctx.restore();
}

function drawOverlays(u, doses) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const dpr = devicePixelRatio;
  ctx.save();
  // Fever threshold (CRS-FEVER: 38.0 °C).
  const fever = u.valToPos(38, 'temp', true);
  if (fever >= top && fever <= top + height) {
    ctx.strokeStyle = 'rgba(220, 38, 38, 0.6)';
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.moveTo(left, fever);
    ctx.lineTo(left + width, fever);
    ctx.stroke();
  }
  ctx.restore();
  drawDoses(u, doses);
}

/** Doses: a solid line at the start, a dashed one at the end of the infusion, labelled with the drug and place. */
export function drawDoses(u, doses, { labels = true } = {}) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const dpr = devicePixelRatio;
  ctx.save();
  ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const dose of doses ?? []) {
    const marks = [[dose.at, []], [dose.end, [3 * dpr, 3 * dpr]]];
    for (const [at, dash] of marks) {
      if (!at) continue;
      const x = u.valToPos(seconds(at), 'x', true);
      if (x < left || x > left + width) continue;
      ctx.strokeStyle = 'rgba(79, 70, 229, 0.9)';
      ctx.lineWidth = 2 * dpr;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    const x = u.valToPos(seconds(dose.at), 'x', true);
    if (labels && x >= left && x <= left + width) {
      ctx.fillStyle = 'rgba(79, 70, 229, 1)';
      ctx.fillText(`${dose.drug ?? 'dose'} ${dose.place ?? ''}`.trim(), x + 4 * dpr, top + 30 * dpr);
    }
  }
  ctx.restore();
}

const axis = (scale, label, side, extra = {}) => ({ scale, label, side, size: 48, labelSize: 18, grid: { show: false }, ...extra });

/**
 * Draws the timeline of GET /api/patients/{id}/chart into `container`, over `range` ({from, to} in seconds; by default
 * the chart's own). Returns {destroy}. A text summary of the latest values sits beside the chart for screen readers
 * and quick reading.
 */
export function timelineChart(container, chart, range = timeRange(chart)) {
  const { from, to } = range;
  const { data, devices, total, oxygen } = alignedData(chart, to);
  const bands = [
    { label: 'CRS', segs: segments(chart.grades?.crs, to) },
    { label: 'ICANS', segs: segments(chart.grades?.icans, to) },
  ];
  const hasGrades = bands.some((b) => b.segs.length);
  if (!total && !hasGrades && !(chart.doses ?? []).length) {
    container.replaceChildren(h('p', { class: 'empty', text: 'No readings in this period.' }));
    return { destroy() {} };
  }

  const plot = h('div', { class: 'chart', role: 'img', 'aria-label': 'Timeline of temperature, systolic blood pressure, SpO2, oxygen flow and ICE score with CRS and ICANS grades and doses' });
  fill(container, plot, legendNote(), latestValues(chart, oxygen));

  const options = {
    width: Math.max(320, container.clientWidth || 800),
    height: 360,
    cursor: { sync: { key: timeSync } },
    scales: {
      x: { time: true, range: () => [from, to] },
      temp: { range: [35, 41] },
      mmhg: { range: [40, 200] },
      pct: { range: [70, 100] },
      flow: { range: [0, 15] },
      ice: { range: [0, 10] },
    },
    axes: [
      { grid: { stroke: 'rgba(0,0,0,0.06)' } },
      axis('temp', '°C', 3, { grid: { stroke: 'rgba(0,0,0,0.06)' } }),
      axis('mmhg', 'SBP mmHg', 1),
      axis('pct', 'SpO2 %', 1),
      axis('flow', 'O2 L/min', 3),
      axis('ice', 'ICE', 1, { size: 36 }),
    ],
    series: [
      { value: (u, v) => (v == null ? '—' : formatDateTime(v * 1000)) },
      { label: 'Temperature °C', scale: 'temp', stroke: '#dc2626', width: 2, spanGaps: true, value: (u, v) => (v == null ? '—' : v.toFixed(1)) },
      { label: 'Systolic BP', scale: 'mmhg', stroke: '#2563eb', width: 2, spanGaps: true },
      { label: 'SpO2 %', scale: 'pct', stroke: '#0d9488', width: 2, spanGaps: true },
      {
        label: 'O2 flow L/min', scale: 'flow', stroke: '#7c3aed', width: 2, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }),
        value: (u, v, si, idx) => {
          if (v == null) return '—';
          const device = idx == null ? null : devices.get(u.data[0][idx]);
          return device ? `${v} (${device})` : String(v);
        },
      },
      { label: 'ICE', scale: 'ice', stroke: '#0f172a', width: 2, spanGaps: true, points: { show: true, size: 7 } },
    ],
    hooks: {
      drawClear: [(u) => drawBands(u, bands)],
      draw: [(u) => drawOverlays(u, chart.doses)],
    },
  };
  const emptyData = [[from, to], [null, null], [null, null], [null, null], [null, null], [null, null]];
  const u = new uPlot(options, data ?? emptyData, plot);
  const resize = new ResizeObserver(() => {
    const width = Math.max(320, container.clientWidth);
    if (Math.abs(width - u.width) > 4) u.setSize({ width, height: 360 });
  });
  resize.observe(container);
  return {
    destroy() {
      resize.disconnect();
      u.destroy();
    },
  };
}

function legendNote() {
  const swatch = (key, text) => h('span', { class: 'swatch-item' }, h('span', { class: `swatch grade-${key}` }), text);
  return h('p', { class: 'chart-key small' },
    'Background: CRS grade (upper half), ICANS grade (lower half): ',
    swatch('1', 'grade 1 '), swatch('2', 'grade 2 '), swatch('3', 'grade 3 '), swatch('4', 'grade 4 '), swatch('not-gradable', 'not gradable. '),
    'Violet lines: doses (solid start, dashed end). Red dashes: 38.0 °C.');
}

function latestValues(chart, oxygen) {
  const last = (list) => [...(list ?? [])].filter((p) => p?.at).sort(byTime).at(-1);
  const o2 = oxygen.at(-1);
  const item = (label, p, text) => (p ? h('li', {}, `${label}: ${text(p)} `, h('span', { class: 'muted', text: `(${formatDateTime(p.at)})` })) : null);
  const list = [
    item('Temperature', last(chart.temperature), (p) => `${p.value} °C`),
    item('Systolic BP', last(chart.systolicBp), (p) => `${p.value} mmHg`),
    item('SpO2', last(chart.spo2), (p) => `${p.value} %`),
    item('Oxygen', o2 && { ...o2, at: o2.at * 1000 }, (p) => `${p.device ? humanize(p.device) : ''}${p.flow != null ? ` ${p.flow} L/min` : ''}`.trim()),
    item('ICE', last(chart.ice), (p) => `${iceScore(p)}/10`),
  ].filter(Boolean);
  return list.length ? h('ul', { class: 'latest', 'aria-label': 'Latest values' }, list) : null;
}
