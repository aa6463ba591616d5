// #/patient/{id}: current grades and their basis, the timeline chart, alerts with their audit, windows with
// countdowns, the check schedule, episodes, doses and monitoring events. Live: re-fetched on this patient's events.

import { getPatientAlerts, getPatientChart, getPatientResource, getPatientStatus } from './api.js';
import { attestationCell, moveForm, outpatientSummary } from './outpatient.js';
import { h, section, table, empty, errorBox, debounce } from './dom.js';
import { gradeDetail } from './grades.js';
import { countdown, timeEl, ageYears, humanize } from './format.js';
import { renderAlertList } from './alerts.js';
import { timelineChart } from './chart.js';
import { biomarkerPanel, getPatientBiomarkers, sharedRange } from './biomarkers.js';
import * as hub from './hub.js';
import { checkInPanel } from './checkin-panel.js';

/** The patient's name and age from the FHIR Patient (best effort: the page works without it). */
export async function patientSummary(id) {
  try {
    const patient = await getPatientResource(id);
    const name = patient?.name?.[0];
    const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
    return { name: text || null, birthDate: patient?.birthDate ?? null };
  } catch {
    return { name: null, birthDate: null };
  }
}

const timeAndCountdown = (value) => (value ? [timeEl(value), h('br'), countdown(value)] : '—');

function windowsTable(windows, onChange) {
  if (!windows?.length) return empty('No monitoring windows.');
  return table(['Dose', 'Window', 'Opens', 'Earliest end', 'Latest end', 'State', 'Caregiver', 'Decisions'], windows.map((w) => h('tr', { 'data-testid': 'window', 'data-window-id': w.id, 'data-state': w.state, 'data-setting': w.setting },
    h('td', { text: w.dose ?? '—' }),
    h('td', {}, w.protocolWindowId, h('div', { class: 'muted small', text: `${w.setting}${w.extended ? ', extended' : ''} · from ${humanize(w.anchor)}` })),
    h('td', {}, timeEl(w.opensAt)),
    h('td', {}, timeAndCountdown(w.earliestEnd)),
    h('td', {}, timeAndCountdown(w.latestEnd)),
    h('td', {}, h('span', { class: `pill window-state state-${w.state}`, text: humanize(w.state) })),
    h('td', {}, attestationCell(w, onChange)),
    h('td', {}, (w.decisions ?? []).map((d) => h('div', { class: 'small' },
      `${humanize(d.action)}${d.decision ? ` (${d.decision})` : ''}${d.hours != null ? ` +${d.hours} h` : ''} by ${d.decidedBy} (${d.role}), `,
      timeEl(d.decidedAt), h('q', { text: d.reason })))))));
}

function checksSection(checks) {
  if (!checks) return empty('No check schedule.');
  const overdue = checks.overdue ?? [];
  const slotRow = (s) => h('tr', { class: `slot state-${s.state}` },
    h('td', { text: humanize(s.check) }), h('td', {}, timeEl(s.dueAt)), h('td', {}, timeEl(s.overdueAt)),
    h('td', {}, h('span', { class: `pill slot-state state-${s.state}`, text: humanize(s.state) })),
    h('td', {}, s.doneAt ? [timeEl(s.doneAt), s.doneBy ? ` (${s.doneBy})` : ''] : '—'),
    h('td', { class: 'muted small', text: humanize(s.basis) }));
  const slotHeadings = ['Check', 'Due', 'Overdue at', 'State', 'Done', 'Why'];
  return h('div', {},
    h('dl', { class: 'facts' },
      h('dt', { text: 'Next check due' }), h('dd', {}, timeAndCountdown(checks.nextDue)),
      h('dt', { text: 'Next vital signs' }), h('dd', {}, timeAndCountdown(checks.nextVitalSigns)),
      h('dt', { text: 'Next ICE' }), h('dd', {}, timeAndCountdown(checks.nextIce))),
    overdue.length
      ? h('div', { class: 'overdue-block', 'data-testid': 'overdue-checks' }, h('h3', { class: 'overdue', text: `${overdue.length} overdue` }),
        table(slotHeadings, overdue.map(slotRow)))
      : h('p', { class: 'muted', text: 'No overdue checks.' }),
    checks.slots?.length
      ? h('details', {}, h('summary', {}, `All ${checks.slots.length} scheduled checks`), table(slotHeadings, checks.slots.map(slotRow), { class: 'slots' }))
      : null);
}

function episodesTable(episodes) {
  if (!episodes?.length) return empty('No CRS or ICANS episodes.');
  return table(['Scale', 'Onset', 'Maximum grade', 'At maximum', 'Resolved', 'Treatments'], episodes.map((e) => [
    e.scale?.toUpperCase(), timeEl(e.onset), String(e.maxGrade), timeEl(e.timeOfMax),
    e.resolution ? timeEl(e.resolution) : h('span', { class: 'pill warn', text: 'ongoing' }),
    (e.treatments ?? []).join(', ') || '—',
  ]));
}

function dosesTable(doses) {
  if (!doses?.length) return empty('No doses recorded.');
  return table(['Drug', 'Place', 'Started', 'Ended', 'Protocol', 'Notes'], doses.map((d) => [
    d.drug, d.place ?? '(unknown)', timeEl(d.startedAt), d.inProgress ? h('span', { class: 'pill', text: 'running' }) : timeEl(d.endedAt),
    d.protocolId ? `${d.protocolId} ${d.protocolVersion ?? ''}` : '—',
    h('div', { class: 'small' },
      d.extendedMonitoring ? h('div', {}, `Extended monitoring: ${d.extendedReason ?? ''}`) : null,
      d.confirmationRequired ? h('div', { class: 'warn-text' }, d.confirmationRequired) : null,
      d.correctedBy ? h('div', {}, `Place corrected by ${d.correctedBy}: ${d.correctionReason ?? ''}`) : null),
  ]));
}

/** Device streams (issue 17): each enrolled signal's last data and state, and wear time per open window. */
function streamsSection(streams, wear) {
  if (!streams?.length) return null;
  const state = (s) => s.state === 'no-data'
    ? h('span', { class: 'overdue', 'data-testid': 'stream-no-data', text: 'No data' })
    : s.state === 'silent' ? h('span', { class: 'muted', text: 'Silent (no window open)' }) : 'Receiving';
  return h('div', { 'data-testid': 'streams' },
    table(['Device', 'Signal', 'Last data', 'Expected every', 'State'], streams.map((s) => [
      s.device, humanize(s.signal), s.lastAt ? timeEl(s.lastAt) : 'none yet', `${s.expectedEverySeconds} s`, state(s)])),
    wear?.length ? table(['Window', 'Device', 'Worn', 'Of the window so far'], wear.map((w) => [
      humanize(w.protocolWindowId), w.device, `${w.wornMinutes} min`, `${w.percent} %`])) : null);
}

function eventsTable(events) {
  if (!events?.length) return null;
  return h('details', {}, h('summary', {}, `Monitoring events (${events.length})`),
    table(['Event', 'Occurred', 'Recorded by'], events.map((e) => [
      humanize(e.kind) + (e.operational ? ' (operational)' : ''), timeEl(e.occurredAt), e.recordedBy])));
}

export function patientPage(main, { id, me }) {
  const title = h('h1', {}, `Patient ${id}`);
  const outpatient = h('div', { 'data-testid': 'outpatient' });
  const subtitle = h('p', { class: 'muted' });
  const grades = h('div', { class: 'two-columns' }, h('p', { class: 'muted', text: 'Loading…' }));
  const chartBox = h('div', { class: 'chart-box' });
  const biomarkerBox = h('div', { class: 'biomarker-box' });
  const alertsError = h('div');
  const alertList = h('div', { class: 'alert-list', 'data-testid': 'patient-alerts' });
  const windows = h('div');
  const checks = h('div');
  const episodes = h('div');
  const doses = h('div');
  const events = h('div');
  const devices = h('div');
  const statusError = h('div');
  let chart = null;
  let panel = null;

  const loadStatus = async () => {
    try {
      const status = await getPatientStatus(id);
      statusError.replaceChildren();
      grades.replaceChildren(
        h('div', { class: 'grade-column' }, h('h3', { text: 'CRS' }), gradeDetail('crs', status.crs, status.asOf)),
        h('div', { class: 'grade-column' }, h('h3', { text: 'ICANS' }), gradeDetail('icans', status.icans, status.asOf)));
      windows.replaceChildren(windowsTable(status.windows, () => reload()));
      outpatient.replaceChildren(outpatientSummary(status), me?.roles?.includes('physician') ? moveForm(id, status, () => reload()) : '');
      checks.replaceChildren(checksSection(status.checks));
      episodes.replaceChildren(episodesTable(status.episodes));
      doses.replaceChildren(dosesTable(status.doses));
      events.replaceChildren(eventsTable(status.monitoringEvents) ?? '');
      devices.replaceChildren(streamsSection(status.streams, status.deviceWear) ?? '');
      return status;
    } catch (e) {
      statusError.replaceChildren(errorBox(`The patient's status could not be loaded: ${e.message}`));
      return null;
    }
  };

  const loadChart = async () => {
    // The biomarker panel shares the timeline's time axis: both answers first, then one range for both.
    const [data, biomarkers] = await Promise.all([
      getPatientChart(id).catch((e) => ({ error: e })),
      getPatientBiomarkers(id).catch((e) => ({ error: e })),
    ]);
    const range = sharedRange(data.error ? null : data, biomarkers.error ? null : biomarkers);
    chart?.destroy();
    chart = null;
    if (data.error) chartBox.replaceChildren(errorBox(`The timeline could not be loaded: ${data.error.message}`));
    else chart = timelineChart(chartBox, data, range);
    panel?.destroy();
    panel = null;
    if (biomarkers.error) biomarkerBox.replaceChildren(errorBox(`The biomarkers could not be loaded: ${biomarkers.error.message}`));
    else panel = biomarkerPanel(biomarkerBox, biomarkers, data.error ? null : data, range);
  };

  const loadAlerts = async (status) => {
    try {
      const data = await getPatientAlerts(id);
      alertsError.replaceChildren();
      renderAlertList(alertList, sortAlerts(data.alerts ?? []), { showPatient: false, onDone: reload }, 'No alerts for this patient.');
    } catch (e) {
      // Without the alert history, show the open alerts the status carries.
      alertsError.replaceChildren(errorBox(`The alert history could not be loaded: ${e.message}`));
      renderAlertList(alertList, sortAlerts(status?.alerts ?? []), { showPatient: false, onDone: reload }, 'No open alerts.');
    }
  };

  const load = async () => {
    const [status] = await Promise.all([loadStatus(), loadChart()]);
    await loadAlerts(status);
  };
  const reload = debounce(load, 250);

  const offs = [
    hub.on('status', (change) => { if (change.patientId === id) reload(); }),
    hub.on('alert', ({ alert }) => { if (alert.patientId === id) reload(); }),
    hub.on('connected', load),
  ];
  const poll = setInterval(() => { if (!hub.isConnected()) load(); }, 30000);

  main.replaceChildren(h('div', { class: 'page patient-page' },
    h('div', { class: 'page-head' }, title, subtitle,
      h('a', { class: 'button primary', href: `#/patient/${encodeURIComponent(id)}/neuro`, 'data-testid': 'neuro-link' }, 'Record a neuro check')),
    statusError,
    outpatient,
    section('Current grades', grades),
    section('Timeline', chartBox),
    section('Biomarkers', biomarkerBox),
    section('Alerts', alertsError, alertList),
    section('Monitoring windows', windows),
    section('Home check-in', checkInPanel(id)),
    section('Check schedule', checks),
    section('Device streams', devices),
    section('Episodes', episodes),
    section('Doses', doses, events)));

  patientSummary(id).then(({ name, birthDate }) => {
    if (name) title.textContent = name;
    const age = ageYears(birthDate);
    subtitle.textContent = [name ? id : null, age != null ? `${age} years` : null, birthDate ? `born ${birthDate}` : null].filter(Boolean).join(' · ');
  });
  load();

  return () => {
    offs.forEach((off) => off());
    reload.cancel();
    clearInterval(poll);
    chart?.destroy();
    panel?.destroy();
  };
}

function sortAlerts(alerts) {
  return [...alerts].sort((a, b) => (a.state === 'resolved') - (b.state === 'resolved')
    || Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || b.seq - a.seq);
}
