// #/patient/{id}/neuro: the bedside neuro check (tablet). The nurse answers the ICE items (or says why ICE was not
// possible) and the ICANS domains; the ICE total is counted here, the ICANS grade comes from the server's calculator
// (POST /api/grading/evaluate, debounced); Submit posts a QuestionnaireResponse for the neuro-check Questionnaire.

import { evaluateGrade, postQuestionnaireResponse, ApiError } from './api.js';
import { h, fill, errorBox, debounce, announce } from './dom.js';
import { gradeBadge, gradeWords, rulesList } from './grades.js';
import { formatTime, humanize, ageYears } from './format.js';
import { patientSummary } from './patient.js';

const questionnaireUrl = 'https://crsmonitor.org/fhir/Questionnaire/neuro-check';
const neuroSystem = 'https://crsmonitor.org/fhir/CodeSystem/neuro';

/** The eight ICE items (ten points): booleans 1 point each, naming 0-3. */
const iceItems = [
  { linkId: 'orientationYear', text: 'Oriented to year', hint: '“What year is it?”' },
  { linkId: 'orientationMonth', text: 'Oriented to month', hint: '“What month is it?”' },
  { linkId: 'orientationCity', text: 'Oriented to city', hint: '“Which city are we in?”' },
  { linkId: 'orientationHospital', text: 'Oriented to hospital', hint: '“Which hospital are we in?”' },
  { linkId: 'namingCount', text: 'Names three objects', hint: 'e.g. clock, pen, button: how many named?', integer: [0, 1, 2, 3] },
  { linkId: 'followsCommands', text: 'Follows simple commands', hint: '“Show me two fingers”' },
  { linkId: 'writesSentence', text: 'Writes a standard sentence' },
  { linkId: 'countsBackwards', text: 'Counts backwards from 100 by ten' },
];

const codedItems = [
  {
    linkId: 'consciousness', text: 'Level of consciousness',
    options: [['alert', 'Alert'], ['awakens-spontaneously', 'Awakens spontaneously'], ['awakens-to-voice', 'Awakens to voice'],
      ['awakens-to-tactile', 'Awakens only to tactile stimulus'], ['unarousable', 'Unarousable']],
  },
  { linkId: 'sedated', text: 'Pharmacologically sedated', boolean: true },
  {
    linkId: 'seizure', text: 'Seizure',
    options: [['none', 'None'], ['rapidly-resolving', 'Clinical seizure that resolves rapidly'],
      ['nonconvulsive-resolved-with-intervention', 'Non-convulsive seizure resolved with intervention'],
      ['prolonged-over-5-min', 'Prolonged seizure (over 5 minutes)'], ['repetitive-without-recovery', 'Repetitive seizures without return to baseline']],
  },
  { linkId: 'motor', text: 'Motor findings', options: [['none', 'None'], ['deep-focal-weakness', 'Deep focal motor weakness']] },
  {
    linkId: 'icp', text: 'Raised ICP / cerebral edema (all that apply)', multiple: true,
    options: [['none', 'None'], ['focal-edema', 'Focal/local edema on imaging'], ['diffuse-edema', 'Diffuse cerebral edema on imaging'],
      ['posturing', 'Decerebrate or decorticate posturing'], ['cranial-nerve-vi-palsy', 'Cranial nerve VI palsy'],
      ['papilledema', 'Papilledema'], ['cushing-triad', 'Cushing’s triad']],
  },
];

const yesNo = [['true', 'Yes'], ['false', 'No']];

/** One touch-sized choice: the native input inside a large label. */
function choice(name, value, text, type = 'radio') {
  return h('label', { class: 'choice' }, h('input', { type, name, value }), h('span', { text }));
}

function itemFieldset(linkId, legend, options, { hint, type = 'radio' } = {}) {
  return h('fieldset', { class: 'item', 'data-testid': `item-${linkId}`, 'data-link-id': linkId },
    h('legend', {}, legend, hint ? h('span', { class: 'hint', text: ` ${hint}` }) : null),
    h('div', { class: 'choices' }, options.map(([value, text]) => choice(linkId, value, text, type))),
    h('p', { class: 'item-error', role: 'alert', hidden: true }));
}

/** The answers as the calculator's icans object (only what was answered). */
function readAnswers(form) {
  const data = new FormData(form);
  const answers = {};
  const notPossible = data.get('iceNotPossibleReason');
  if (notPossible) answers.iceNotPossibleReason = notPossible;
  for (const item of iceItems) {
    const value = data.get(item.linkId);
    if (value == null || notPossible) continue;
    answers[item.linkId] = item.integer ? Number(value) : value === 'true';
  }
  for (const item of codedItems) {
    if (item.multiple) {
      const values = data.getAll(item.linkId);
      if (values.length) answers[item.linkId] = values;
    } else if (data.get(item.linkId) != null) {
      answers[item.linkId] = item.boolean ? data.get(item.linkId) === 'true' : data.get(item.linkId);
    }
  }
  return answers;
}

const optionLabel = (linkId, code) => codedItems.find((c) => c.linkId === linkId)?.options?.find(([v]) => v === code)?.[1] ?? code;

/**
 * ICANS-CONTRA (grading-rules.md section 6): answers that contradict each other are refused before they are sent
 * (the server refuses them too, 422). Returns [{fields: [linkId, linkId], message}], empty when consistent.
 */
export function contradictions(answers) {
  const found = [];
  const unarousableIce = answers.iceNotPossibleReason === 'unarousable';
  const level = answers.consciousness;
  if (unarousableIce && level !== undefined && level !== 'unarousable') {
    found.push({
      fields: ['iceNotPossibleReason', 'consciousness'],
      message: `ICE assessment “Not possible: unarousable” contradicts Level of consciousness “${optionLabel('consciousness', level)}”: `
        + 'a patient who wakes is not unarousable. Correct one of the two.',
    });
  }
  const ice = iceTotal(answers);
  if ((ice.answered > 0 || answers.iceScore !== undefined) && level === 'unarousable') {
    found.push({
      fields: ['iceNotPossibleReason', 'consciousness'],
      message: `ICE score ${answers.iceScore ?? ice.points}/10 contradicts Level of consciousness “Unarousable”: an unarousable patient `
        + 'cannot do the ICE. Choose ICE assessment “Not possible: unarousable”, or correct the level of consciousness.',
    });
  }
  if (answers.sedated === true && unarousableIce) {
    found.push({
      fields: ['sedated', 'iceNotPossibleReason'],
      message: 'Pharmacologically sedated “Yes” contradicts ICE assessment “Not possible: unarousable”: a sedated patient is '
        + 'not assessable, which is not the same as unarousable. Choose “Not possible: sedated”, or answer sedated “No”.',
    });
  }
  return found;
}

/** ICE: how many of the eight items are answered and the points so far (each yes = 1, naming 0-3). */
export function iceTotal(answers) {
  const given = iceItems.filter((i) => answers[i.linkId] !== undefined);
  const points = given.reduce((sum, i) => sum + (i.integer ? answers[i.linkId] : answers[i.linkId] ? 1 : 0), 0);
  return { answered: given.length, points, complete: given.length === iceItems.length };
}

/** The QuestionnaireResponse for the answers (each answered item once, by linkId; coded answers in the neuro system). */
export function questionnaireResponse(patientId, answers, identifier) {
  const item = [];
  const add = (linkId, answer) => item.push({ linkId, answer });
  for (const i of iceItems) {
    if (answers[i.linkId] === undefined) continue;
    add(i.linkId, [i.integer ? { valueInteger: answers[i.linkId] } : { valueBoolean: answers[i.linkId] }]);
  }
  if (answers.iceNotPossibleReason) add('iceNotPossibleReason', [{ valueCoding: { system: neuroSystem, code: answers.iceNotPossibleReason } }]);
  for (const c of codedItems) {
    const value = answers[c.linkId];
    if (value === undefined) continue;
    if (c.boolean) add(c.linkId, [{ valueBoolean: value }]);
    else add(c.linkId, [].concat(value).map((code) => ({ valueCoding: { system: neuroSystem, code } })));
  }
  return {
    resourceType: 'QuestionnaireResponse',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${identifier}` },
    questionnaire: questionnaireUrl,
    status: 'completed',
    subject: { reference: `Patient/${patientId}` },
    authored: new Date().toISOString(),
    item,
  };
}

/** A random UUID (crypto.randomUUID needs a secure context; a ward PC may reach the service over plain http). */
function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function neuroPage(main, { id }) {
  let identifier = uuid();
  let age = null;
  let evaluation = null;
  let evaluationSeq = 0;
  let inFlight = null;

  const title = h('h1', {}, 'Neuro check');
  const iceOutput = h('output', { 'data-testid': 'ice-total', 'data-complete': 'false', text: '0' });
  const iceNote = h('span', { class: 'muted' });
  const gradeBox = h('div', { class: 'grade-preview', 'aria-live': 'polite' });
  const evaluateError = h('div', { 'data-testid': 'evaluate-error' });
  const formError = h('div', { 'data-testid': 'form-error', class: 'form-error', role: 'alert', hidden: true });
  const success = h('div', { 'data-testid': 'submit-result', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary large', 'data-testid': 'submit' }, 'Submit neuro check');

  const iceFieldsets = iceItems.map((i) => itemFieldset(i.linkId, i.text, i.integer ? i.integer.map((n) => [String(n), String(n)]) : yesNo, { hint: i.hint }));
  const notPossible = itemFieldset('iceNotPossibleReason', 'ICE assessment', [['', 'ICE done'], ['unarousable', 'Not possible: unarousable'], ['sedated', 'Not possible: sedated']]);
  notPossible.querySelector('input[value=""]').checked = true;

  const form = h('form', { class: 'neuro-form', novalidate: true, 'aria-describedby': 'neuro-intro' },
    h('div', { class: 'neuro-items' },
      h('fieldset', { class: 'group' }, h('legend', { text: 'ICE (10 points)' }), notPossible, ...iceFieldsets),
      h('fieldset', { class: 'group' }, h('legend', { text: 'ICANS domains' }),
        codedItems.map((c) => itemFieldset(c.linkId, c.text, c.boolean ? yesNo : c.options, { type: c.multiple ? 'checkbox' : 'radio' })))),
    h('aside', { class: 'neuro-result panel', 'aria-label': 'Result' },
      h('p', { class: 'ice-line' }, 'ICE total: ', iceOutput, ' / 10 ', iceNote),
      h('h2', { text: 'ICANS grade (calculator)' }),
      gradeBox, evaluateError, formError,
      h('div', { class: 'submit-row' }, submit, h('button', { type: 'reset', class: 'secondary' }, 'Clear')),
      success));

  const showIce = (answers) => {
    if (answers.iceNotPossibleReason) {
      iceOutput.textContent = '—';
      iceOutput.dataset.complete = 'false';
      iceNote.textContent = `not possible (${answers.iceNotPossibleReason})`;
      return;
    }
    const ice = iceTotal(answers);
    iceOutput.textContent = String(ice.points);
    iceOutput.dataset.complete = String(ice.complete);
    iceNote.textContent = ice.complete || ice.answered === 0 ? '' : `(${ice.answered} of 8 items answered)`;
  };

  const showGrade = (result) => {
    const icans = result?.icans;
    fill(gradeBox,
      gradeBadge('icans', icans, { testid: 'icans-grade', large: true }),
      gradeWords(icans),
      icans?.domains?.length
        ? h('ul', { class: 'domains' }, icans.domains.map((d) => h('li', {}, `${humanize(d.domain)} domain: ${d.grade != null ? `grade ${d.grade}` : humanize(d.status)}${d.reason ? ` (${humanize(d.reason)})` : ''}`)))
        : null,
      icans ? rulesList(icans.rules) : h('p', { class: 'muted', text: 'The grade appears as the check is filled in.' }));
  };

  const clearItemErrors = () => {
    for (const el of form.querySelectorAll('.item-error')) { el.hidden = true; el.textContent = ''; }
    for (const el of form.querySelectorAll('fieldset.item[aria-invalid], fieldset.item input[aria-invalid]')) el.removeAttribute('aria-invalid');
    delete formError.dataset.kind;
  };

  const markItem = (linkId, message) => {
    const fieldset = form.querySelector(`fieldset.item[data-link-id="${CSS.escape(linkId)}"]`);
    if (!fieldset) return false;
    fieldset.setAttribute('aria-invalid', 'true');
    for (const input of fieldset.querySelectorAll('input')) input.setAttribute('aria-invalid', 'true');
    const el = fieldset.querySelector('.item-error');
    el.textContent = el.textContent ? `${el.textContent}; ${message}` : message;
    el.hidden = false;
    return true;
  };

  const evaluate = debounce(async () => {
    const answers = readAnswers(form);
    const ice = iceTotal(answers);
    const seq = ++evaluationSeq;
    inFlight?.abort();
    evaluateError.replaceChildren();
    if (ice.answered > 0 && !ice.complete) {
      evaluation = null;
      gradeBox.replaceChildren(gradeBadge('icans', null, { testid: 'icans-grade', large: true }),
        h('p', { class: 'muted', text: `Answer all eight ICE items (${ice.answered} of 8 so far), or choose “not possible”, to see the grade.` }));
      return;
    }
    const contradicted = contradictions(answers);
    if (contradicted.length) {
      evaluation = null;
      gradeBox.replaceChildren(gradeBadge('icans', null, { testid: 'icans-grade', large: true }),
        h('p', { class: 'warn-text', 'data-testid': 'contradiction-preview', text: contradicted.map((c) => c.message).join(' ') }));
      return;
    }
    inFlight = new AbortController();
    gradeBox.setAttribute('aria-busy', 'true');
    try {
      const body = { icans: answers };
      if (age != null) body.ageYears = age;
      const result = await evaluateGrade(body, inFlight.signal);
      if (seq !== evaluationSeq) return;
      evaluation = result;
      showGrade(result);
    } catch (e) {
      if (e.name === 'AbortError' || seq !== evaluationSeq) return;
      evaluation = null;
      showGrade(null);
      const fields = e instanceof ApiError ? Object.entries(e.fieldErrors) : [];
      evaluateError.replaceChildren(errorBox(fields.length
        ? h('ul', {}, fields.map(([path, messages]) => h('li', {}, h('code', { text: path }), ` ${[].concat(messages).join('; ')}`)))
        : `The calculator could not grade this: ${e.message}`));
    } finally {
      if (seq === evaluationSeq) gradeBox.removeAttribute('aria-busy');
    }
  }, 250);

  const onChange = (e) => {
    const target = e.target;
    if (target.name === 'iceNotPossibleReason') {
      const off = target.value !== '';
      for (const fs of iceFieldsets) {
        fs.disabled = off;
        if (off) for (const input of fs.querySelectorAll('input')) input.checked = false;
      }
    }
    if (target.name === 'icp' && target.checked) {
      // "None" excludes the findings and a finding excludes "none".
      for (const input of form.querySelectorAll('input[name="icp"]')) {
        if (input !== target && (target.value === 'none' || input.value === 'none')) input.checked = false;
      }
    }
    identifier = uuid();
    success.replaceChildren();
    if (formError.dataset.kind === 'contradiction') {
      // The nurse is correcting a refused contradiction: the marks go; Submit checks again.
      clearItemErrors();
      formError.hidden = true;
    }
    const answers = readAnswers(form);
    showIce(answers);
    evaluate();
  };

  const showOutcome = (error, sentItems) => {
    const issues = error.issues;
    formError.hidden = false;
    fill(formError, h('p', {}, h('strong', { text: 'The neuro check was not recorded.' }), ' ', issues.length ? '' : error.message),
      issues.length ? h('ul', {}, issues.map((issue) => {
        const expression = (issue.expression ?? []).join(', ');
        for (const ex of issue.expression ?? []) {
          const m = /item\[(\d+)\]/.exec(ex);
          // By position in what was sent, else by a linkId the expression names (e.g. item.where(linkId='consciousness')).
          const linkId = m ? sentItems[Number(m[1])]?.linkId : sentItems.find((i) => new RegExp(`\\b${i.linkId}\\b`).test(ex))?.linkId;
          if (linkId) markItem(linkId, issue.diagnostics ?? issue.code);
        }
        return h('li', { class: `severity-${issue.severity}` }, issue.diagnostics ?? issue.code, expression ? h('code', { class: 'expression', text: ` ${expression}` }) : null);
      })) : null);
  };

  form.addEventListener('change', onChange);
  form.addEventListener('reset', () => setTimeout(() => {
    notPossible.querySelector('input[value=""]').checked = true;
    for (const fs of iceFieldsets) fs.disabled = false;
    clearItemErrors();
    formError.hidden = true;
    identifier = uuid();
    showIce({});
    evaluate();
  }));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearItemErrors();
    formError.hidden = true;
    success.replaceChildren();
    const answers = readAnswers(form);
    const ice = iceTotal(answers);
    if (ice.answered > 0 && !ice.complete) {
      for (const i of iceItems) if (answers[i.linkId] === undefined) markItem(i.linkId, 'Not answered');
      formError.hidden = false;
      formError.replaceChildren(h('p', { text: `Answer all eight ICE items (${ice.answered} of 8 answered), or choose “not possible” with the reason.` }));
      return;
    }
    if (Object.keys(answers).length === 0) {
      formError.hidden = false;
      formError.replaceChildren(h('p', { text: 'Nothing answered yet.' }));
      return;
    }
    const contradicted = contradictions(answers);
    if (contradicted.length) {
      // ICANS-CONTRA: refused here, nothing is sent; both fields of each contradiction are marked.
      for (const c of contradicted) for (const linkId of c.fields) markItem(linkId, c.message);
      formError.hidden = false;
      formError.dataset.kind = 'contradiction';
      fill(formError, h('p', {}, h('strong', { text: 'The neuro check was not recorded: the answers contradict each other.' })),
        h('ul', {}, contradicted.map((c) => h('li', { 'data-testid': 'contradiction', 'data-fields': c.fields.join(' '), text: c.message }))));
      formError.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    const resource = questionnaireResponse(id, answers, identifier);
    submit.disabled = true;
    submit.textContent = 'Submitting…';
    try {
      const { data: outcome, headers } = await postQuestionnaireResponse(resource);
      // Location: [base]/QuestionnaireResponse/{id}/_history/{v}; the OperationOutcome lists the warnings (stored, not graded).
      const stored = /\/(QuestionnaireResponse\/[^/]+)\/_history\//.exec(new URL(headers.get('Location') ?? '', window.location.href).pathname);
      const ref = stored ? stored[1] : null;
      const warnings = outcome?.resourceType === 'OperationOutcome' ? (outcome.issue ?? []).filter((i) => i.severity !== 'information') : [];
      const grade = evaluation?.icans;
      const summary = `Neuro check recorded at ${formatTime(new Date())}`
        + `${answers.iceNotPossibleReason ? ', ICE not possible' : ice.complete ? `, ICE ${ice.points}/10` : ''}`
        + `${grade ? `, ICANS ${grade.status === 'not-gradable' ? 'not gradable' : `grade ${grade.grade}`}` : ''}.`;
      success.replaceChildren(h('div', { class: 'success' },
        h('p', { text: summary }), ref ? h('p', { class: 'muted small', text: ref }) : null,
        warnings.map((w) => h('p', { class: 'warn-text', text: w.diagnostics })),
        h('a', { href: `#/patient/${encodeURIComponent(id)}` }, 'Back to the patient')));
      announce(summary);
      form.reset();
      success.scrollIntoView?.({ block: 'nearest' });
    } catch (err) {
      if (err instanceof ApiError) showOutcome(err, resource.item);
      else showOutcome(new ApiError(0, null, err.message), resource.item);
      formError.scrollIntoView?.({ block: 'nearest' });
    } finally {
      submit.disabled = false;
      submit.textContent = 'Submit neuro check';
    }
  });

  main.replaceChildren(h('div', { class: 'page neuro-page' },
    h('div', { class: 'page-head' }, title,
      h('p', { id: 'neuro-intro', class: 'muted' }, 'Ask each ICE question; if the patient cannot do the assessment, choose why. ',
        h('a', { href: `#/patient/${encodeURIComponent(id)}` }, 'Back to the patient'))),
    form));
  showIce({});
  showGrade(null);

  patientSummary(id).then(({ name, birthDate }) => {
    title.textContent = `Neuro check: ${name ?? `patient ${id}`}`;
    age = ageYears(birthDate);
    if (age != null && age < 12) {
      title.after(h('p', { class: 'warn-text', text: `This patient is ${age}: ICANS in children under 12 uses CAPD, not ICE.` }));
    }
  });

  return () => {
    evaluate.cancel();
    inFlight?.abort();
  };
}
