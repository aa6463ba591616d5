// The patient and caregiver check-in page (/checkin/, issue 17). Reached with a check-in code a nurse or physician
// gave (in the link's #code=..., or typed); no hospital account and no token: every request carries the code, which
// opens only this patient's check-in. Temperature, a symptom checklist and the medicines taken, sent as one submission
// (POST /api/checkin/submissions); the service writes them as FHIR resources and tells the care team. Phone first:
// large touch targets, plain words, and a confirmation of exactly what was sent.
//
// The code stays in this tab's session storage (a reload keeps working) and is taken out of the address bar.

import { h, fill } from './dom.js';

const main = document.getElementById('checkin');
const storageKey = 'crsmonitor.checkin.code';
const unusable = 'This check-in code cannot be used. Ask your care team for a new one.';

class CheckInError extends Error {
  constructor(status, body) {
    super(body?.detail ?? (status === 0 ? 'Not sent: there is no connection. Check your internet connection and try again.' : `Not sent (error ${status}). Please try again.`));
    this.status = status;
    this.errors = body?.errors ?? null;
  }
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST', cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CheckInError(0, null);
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) throw new CheckInError(response.status, data);
  return data;
}

function codeFromAddress() {
  const match = /(?:^#|&)code=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  const code = decodeURIComponent(match[1]);
  // Out of the address bar (and its history entry): it is a credential.
  window.history.replaceState(null, '', window.location.pathname);
  return code;
}

const heading = () => h('h1', { text: 'Check in with your care team' });

function codeForm(message) {
  const input = h('input', {
    type: 'text', id: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    'data-testid': 'checkin-code-input', 'aria-describedby': 'code-hint',
  });
  const form = h('form', { class: 'card', onsubmit: (e) => { e.preventDefault(); start(input.value.trim()); } },
    h('h2', {}, h('label', { for: 'code', text: 'Your check-in code' })),
    h('p', { class: 'hint', id: 'code-hint', text: 'Type the code your care team gave you (letters and numbers).' }),
    input, h('p'),
    h('button', { type: 'submit', 'data-testid': 'checkin-code-submit' }, 'Continue'));
  fill(main, heading(), message ? h('div', { class: 'error', role: 'alert', 'data-testid': 'checkin-refused', text: message }) : null, form);
  input.focus();
}

async function start(code) {
  if (!code) { codeForm('Please type your check-in code.'); return; }
  fill(main, heading(), h('p', { class: 'muted', text: 'Checking your code…' }));
  try {
    const session = await post('/api/checkin/session', { code });
    sessionStorage.setItem(storageKey, code);
    checkInForm(code, session);
  } catch (e) {
    sessionStorage.removeItem(storageKey);
    codeForm(e.status === 403 ? unusable : e.message);
  }
}

/** A choice (radio or checkbox) as a large labelled row. */
function choice(type, name, value, text, attrs = {}) {
  const input = h('input', { type, name, value, ...attrs });
  return { input, label: h('label', { class: 'choice' }, input, h('span', { text })) };
}

/** "HH:MM" today (or yesterday when that would be in the future) as an ISO instant with the browser's offset. */
function takenAt(time) {
  const [hours, minutes] = time.split(':').map(Number);
  const at = new Date();
  at.setHours(hours, minutes, 0, 0);
  if (at.getTime() > Date.now() + 5 * 60 * 1000) at.setDate(at.getDate() - 1);
  return at.toISOString();
}

const nowTime = () => new Date().toTimeString().slice(0, 5);

function checkInForm(code, session, note) {
  const errorBox = h('div', { 'aria-live': 'assertive' });

  const who = [choice('radio', 'reportedBy', 'patient', 'I am the patient'), choice('radio', 'reportedBy', 'caregiver', 'I am a family member or caregiver')];
  who.forEach((c) => c.input.setAttribute('data-testid', `reporter-${c.input.value}`));

  const temperature = h('input', { type: 'text', inputmode: 'decimal', class: 'temperature', id: 'temperature', autocomplete: 'off', 'data-testid': 'temperature' });
  const units = [choice('radio', 'unit', 'Cel', '°C', { checked: true }), choice('radio', 'unit', '[degF]', '°F')];
  units.forEach((c) => c.input.setAttribute('data-testid', c.input.value === 'Cel' ? 'unit-celsius' : 'unit-fahrenheit'));

  const symptoms = session.symptoms.map((s) => {
    const c = choice('checkbox', 'symptom', s.id, capital(s.text));
    c.input.setAttribute('data-testid', `symptom-${s.id}`);
    return c;
  });

  const medicines = session.medicines.map((m) => {
    const c = choice('checkbox', 'medicine', m.id, m.text);
    c.input.setAttribute('data-testid', `medicine-${m.id}`);
    const time = h('input', { type: 'time', class: 'time', value: nowTime(), 'aria-label': `Time ${m.text} was taken`, 'data-testid': `medicine-${m.id}-time` });
    const when = h('div', { class: 'when', hidden: true }, h('label', { class: 'row' }, h('span', { text: 'Taken at' }), time));
    c.input.addEventListener('change', () => { when.hidden = !c.input.checked; });
    return { ...c, id: m.id, time, block: h('div', { class: 'medicine' }, c.label, when) };
  });

  const send = h('button', { type: 'submit', 'data-testid': 'checkin-send' }, 'Send to my care team');
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const reporter = who.find((c) => c.input.checked)?.input.value;
    if (!reporter) { fill(errorBox, h('div', { class: 'error', role: 'alert', text: 'Please say who is filling this in.' })); return; }
    const body = { code, reportedBy: reporter, symptoms: symptoms.filter((c) => c.input.checked).map((c) => c.input.value), medicines: [] };
    const value = temperature.value.trim().replace(',', '.');
    if (value) body.temperature = { value: Number(value), unit: units.find((c) => c.input.checked).input.value };
    if (value && !Number.isFinite(body.temperature.value)) { fill(errorBox, h('div', { class: 'error', role: 'alert', text: 'The temperature must be a number, like 37.5.' })); return; }
    for (const m of medicines.filter((x) => x.input.checked)) {
      if (!m.time.value) { fill(errorBox, h('div', { class: 'error', role: 'alert', text: 'Please give the time each medicine was taken.' })); return; }
      body.medicines.push({ drug: m.id, takenAt: takenAt(m.time.value) });
    }
    send.disabled = true;
    send.textContent = 'Sending…';
    try {
      const sent = await post('/api/checkin/submissions', body);
      confirmation(code, session, sent);
    } catch (err) {
      send.disabled = false;
      send.textContent = 'Send to my care team';
      if (err.status === 403) { sessionStorage.removeItem(storageKey); codeForm(unusable); return; }
      const details = err.errors ? Object.values(err.errors).flat().join(' ') : err.message;
      fill(errorBox, h('div', { class: 'error', role: 'alert', 'data-testid': 'checkin-error', text: `Not sent. ${details}` }));
    }
  } },
  h('fieldset', { class: 'card' }, h('legend', {}, h('h2', { text: 'Who is filling this in?' })), who.map((c) => c.label)),
  h('div', { class: 'card' },
    h('h2', {}, h('label', { for: 'temperature', text: 'Temperature' })),
    h('p', { class: 'hint', text: 'Take the temperature now and type it here. Leave it empty if you cannot take it.' }),
    h('div', { class: 'row' }, temperature, h('div', { class: 'unit', role: 'radiogroup', 'aria-label': 'Unit' }, units.map((c) => c.label)))),
  h('fieldset', { class: 'card' }, h('legend', {}, h('h2', { text: 'Since the last check-in, is there any new:' })),
    h('p', { class: 'hint', text: 'Tick everything you noticed. Leave all empty if none.' }), symptoms.map((c) => c.label)),
  h('fieldset', { class: 'card' }, h('legend', {}, h('h2', { text: 'Medicines taken at home' })),
    h('p', { class: 'hint', text: 'Tick each medicine taken since the last check-in, and when.' }), medicines.map((m) => m.block)),
  errorBox, send);

  fill(main, heading(), note ?? null, form);
}

function confirmation(code, session, sent) {
  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const items = [];
  if (sent.temperature) items.push(`Temperature ${sent.temperature.value} ${sent.temperature.unit === 'Cel' ? '°C' : '°F'}`);
  items.push(sent.symptoms.length ? `New: ${sent.symptoms.map((s) => s.text).join(', ')}` : 'No new symptoms');
  for (const m of sent.medicines) items.push(`${m.text} taken at ${time(m.takenAt)}`);
  const urgent = sent.symptoms.length > 0;
  const again = h('button', { type: 'button', class: 'secondary', 'data-testid': 'checkin-again', onclick: () => checkInForm(code, session) }, 'Send another check-in');
  fill(main, heading(),
    h('div', { class: 'sent', role: 'status', 'data-testid': 'checkin-sent' },
      h('h2', { text: `Sent at ${time(sent.receivedAt)}` }),
      h('p', { text: 'Your care team received:' }),
      h('ul', { 'data-testid': 'checkin-sent-items' }, items.map((text) => h('li', { text })))),
    urgent ? h('div', { class: 'urgent', 'data-testid': 'checkin-urgent' },
      h('p', { text: 'Your care team has been told about these symptoms and will contact you. If it is an emergency, call your local emergency number now.' })) : null,
    again);
  main.focus();
}

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

const initial = codeFromAddress() ?? sessionStorage.getItem(storageKey);
if (initial) start(initial);
else codeForm(null);
