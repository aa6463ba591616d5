// Grade badges and the basis of a grade (rules, inputs with time and source, stale and missing inputs).

import { h, table, empty } from './dom.js';
import { timeEl, humanize } from './format.js';
import { flagText, reasonText, sentence, gapTexts } from './words.js';

const scaleNames = { crs: 'CRS', icans: 'ICANS' };

/** The data-grade value: the grade 0-5, or "not-gradable" (and "unknown" when there is nothing yet). */
export function gradeKey(result) {
  if (!result) return 'unknown';
  if (result.status === 'not-gradable') return 'not-gradable';
  return Number.isInteger(result.grade) ? String(result.grade) : 'unknown';
}

/**
 * A badge for a CRS or ICANS result ({status, grade, reason, flags}): coloured by grade 0-4 (5 = death), a hatched
 * grey for "not gradable" with the reason. `testid` defaults to "<scale>-badge".
 */
export function gradeBadge(scale, result, { testid = `${scale}-badge`, large = false } = {}) {
  const key = gradeKey(result);
  const name = scaleNames[scale] ?? humanize(scale);
  const text = key === 'not-gradable' ? `${name} not gradable`
    : key === 'unknown' ? `${name} —`
      : key === '0' ? `${name} 0 (none)` : `${name} grade ${key}`;
  const reason = result?.reason ? reasonText(result.reason) : null;
  const flags = result?.flags?.length ? result.flags.map(flagText) : null;
  const flagLabels = flags?.map((f) => f.label).join(', ');
  const title = [text, reason && sentence(reason), ...(flags ?? []).map(sentence)].filter(Boolean).join('\n');
  return h('span', {
    class: `badge grade-${key}${large ? ' large' : ''}`,
    'data-testid': testid,
    'data-grade': key,
    'data-status': result?.status ?? null,
    'data-reason': result?.reason ?? null,
    'data-flags': flags ? result.flags.join(' ') : null,
    title,
  }, h('span', { class: 'badge-text', text }),
  key === 'not-gradable' && reason ? h('span', { class: 'badge-reason', 'data-testid': 'badge-reason', text: reason.label }) : null,
  flags ? h('span', { class: 'badge-flag', 'aria-label': `review flags: ${flagLabels}`, text: ' ⚑' }) : null);
}

/** A review flag as a pill in words ("Vasopressin alone"), its meaning and what to do in the title. */
export function flagPill(code) {
  const w = flagText(code);
  return h('span', { class: 'pill warn', 'data-testid': 'flag', 'data-flag': code, title: sentence(w), text: w.label });
}

/**
 * The review flags and the not-gradable reason of a result in words: the label, what it means and what to do.
 * Used by the grade detail (patient page), the neuro-check form and alert cards.
 */
export function gradeWords(result) {
  if (!result) return null;
  const reason = result.reason ? reasonText(result.reason) : null;
  const flags = (result.flags ?? []).filter((f) => f !== result.reason).map(flagText);
  if (!reason && !flags.length) return null;
  const item = (w, kind) => h('li', { class: `grade-word ${kind}`, 'data-testid': kind, [`data-${kind}`]: w.code },
    h('strong', { text: w.label }), w.meaning ? ` ${w.meaning}` : null, w.action ? h('span', { class: 'grade-word-action', text: ` ${w.action}` }) : null);
  return h('ul', { class: 'grade-words' }, reason ? item(reason, 'reason') : null, flags.map((w) => item(w, 'flag')));
}

/**
 * The stale or missing inputs of a grade in words ("No temperature for 5 h", "No neuro check yet"), shown on the
 * patient page and the census: visible, never an alert (grading-rules.md section 7). `now`: the document's asOf.
 */
export function gapList(result, now, { compact = false } = {}) {
  const gaps = gapTexts(result?.gaps, now);
  if (!gaps.length) return null;
  return h('ul', { class: `input-gaps${compact ? ' compact' : ''}`, 'aria-label': 'Missing or out-of-date inputs' }, gaps.map((g) => h('li', {
    class: `input-gap gap-${g.state}`,
    'data-testid': 'input-gap',
    'data-input': g.input,
    'data-state': g.state,
    title: g.detail,
  }, g.text)));
}

/** A small "grade N" badge for an alert's grade, coloured like the scale's badges. */
export function alertGradeBadge(alert) {
  if (alert.grade == null) return null;
  const scale = alert.condition === 'crs' || alert.condition === 'icans' ? alert.condition : null;
  return gradeBadge(scale ?? 'grade', { status: 'graded', grade: alert.grade }, { testid: 'alert-grade' });
}

export function rulesList(rules) {
  if (!rules?.length) return empty('No rule fired.');
  return h('ul', { class: 'rules' }, rules.map((r) => h('li', {}, h('code', { text: r.id }), ' ', r.text)));
}

/** The inputs a current grade used: name, value, time, source, stale marked. */
export function basisTable(basis) {
  if (!basis?.length) return empty('No inputs recorded.');
  return table(['Input', 'Value', 'At', 'Source', ''], basis.map((b) => h('tr', { class: b.stale ? 'stale' : null },
    h('td', { text: humanize(b.name) }),
    h('td', { text: b.value }),
    h('td', {}, timeEl(b.at)),
    h('td', {}, h('code', { text: b.source })),
    h('td', {}, b.stale ? h('span', { class: 'pill warn', text: 'stale' }) : null))), { class: 'basis' });
}

/** Everything a clinician needs to check a grade: badge, reason, flags, rules, domains, inputs, stale or missing. */
export function gradeDetail(scale, result, asOf = result?.at) {
  if (!result) return empty('Not available.');
  const domains = result.domains?.length
    ? h('p', { class: 'domains' }, 'Domain grades: ', result.domains.map((d, i) => [i ? ', ' : '',
      `${humanize(d.domain)} ${d.grade != null ? d.grade : humanize(d.status)}`]))
    : null;
  const gaps = gapList(result, asOf);
  const staleOrMissing = gaps
    ? h('div', { class: 'gaps-block', 'data-testid': `${scale}-gaps` }, h('h3', { text: 'Missing or out of date' }), gaps)
    : result.staleOrMissing?.length
      ? h('p', { class: 'warn-text' }, 'Stale or missing: ', result.staleOrMissing.map(humanize).join(', '))
      : null;
  return h('div', { class: 'grade-detail' },
    h('p', {}, gradeBadge(scale, result, { testid: `${scale}-current`, large: true }),
      result.at ? [' as of ', timeEl(result.at)] : null,
      result.system ? h('span', { class: 'muted', text: ` · ${result.system}` }) : null),
    gradeWords(result),
    staleOrMissing,
    domains,
    h('h3', { text: 'Rules' }), rulesList(result.rules),
    h('h3', { text: 'Inputs' }), basisTable(result.basis));
}
