// Times, durations and countdowns. The service sends UTC instants; the page shows local time.

import { h } from './dom.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false,
});

const toDate = (value) => (value instanceof Date ? value : new Date(value));
const valid = (value) => value != null && value !== '' && !Number.isNaN(toDate(value).getTime());

/** "14:05" (local). */
export function formatTime(value) {
  return valid(value) ? timeFormat.format(toDate(value)) : '—';
}

/** "Mon 24 Nov 14:05" (local); the full ISO instant is in the element's title where it matters. */
export function formatDateTime(value) {
  return valid(value) ? dateTimeFormat.format(toDate(value)) : '—';
}

/** A <time> element: local date and time, machine-readable instant in `datetime`. */
export function timeEl(value, { timeOnly = false } = {}) {
  if (!valid(value)) return h('span', { class: 'muted', text: '—' });
  const d = toDate(value);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, timeOnly ? formatTime(d) : formatDateTime(d));
}

/** "2 h 05 min 09 s", "5 min 09 s", "9 s"; days shown above 48 h. */
export function formatDuration(ms, { seconds = true } = {}) {
  let s = Math.floor(Math.abs(ms) / 1000);
  const days = s >= 48 * 3600 ? Math.floor(s / 86400) : 0;
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (!days && !hours && !minutes) return `${secs} s`;
  const parts = [];
  if (days) parts.push(`${days} d`);
  if (days || hours) parts.push(`${hours} h`);
  parts.push(`${days || hours ? pad(minutes) : minutes} min`);
  if (seconds && !days) parts.push(`${pad(secs)} s`);
  return parts.join(' ');
}

function countdownText(target, now) {
  const ms = target - now;
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(ms)} ago`;
}

/** A live countdown to an instant ("in 2 h 05 min 09 s", then "3 min 10 s ago"), updated every second by the ticker. */
export function countdown(value, attrs = {}) {
  if (!valid(value)) return h('span', { class: 'muted', text: '—' });
  const target = toDate(value);
  const el = h('span', { class: 'countdown', 'data-countdown': target.toISOString(), title: target.toISOString(), ...attrs });
  updateCountdown(el, Date.now());
  return el;
}

function updateCountdown(el, now) {
  const target = Date.parse(el.dataset.countdown);
  el.textContent = countdownText(target, now);
  el.classList.toggle('past', target <= now);
}

let ticker = null;

/** One timer for the whole page: every second, every countdown on it is brought up to date. */
export function startTicker() {
  if (ticker) return;
  ticker = setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll('[data-countdown]')) updateCountdown(el, now);
  }, 1000);
}

/** Age in whole years at `now` from a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function ageYears(birthDate, now = new Date()) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate ?? '');
  if (!m) return null;
  const [year, month = 1, day = 1] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  let age = now.getFullYear() - year;
  if (now.getMonth() + 1 < month || (now.getMonth() + 1 === month && now.getDate() < day)) age -= 1;
  return age;
}

// The humanized fallback for codes lives with the words table (words.js), which must stay free of imports.
export { humanize } from './words.js';
