// The words a nurse reads for the grading core's codes: every review flag (GradeFlags) and not-gradable reason
// (NotGradableReasons) of CrsMonitor.Grading, and the inputs a grade reports stale or missing. One table, used by every
// page that shows a flag or reason (grades.js, census.js, patient.js, alerts.js, neuro.js). A code without an entry
// (a newer service than this page) falls back to its humanized form; the browser test
// GradingWordsTests fails when a constant of the grading core has no entry here.
//
// No imports: the browser test loads this file on its own.

/** Review flags: a grade the clinician should look at, and why. label: pill text; meaning and action: one line each. */
export const flagWords = {
  'vasopressin-monotherapy': {
    label: 'Vasopressin alone',
    meaning: 'Vasopressin is the only vasopressor running; ASTCT does not count it, so grade 3 is a judgement call.',
    action: 'Ask the physician to confirm the CRS grade.',
  },
  'hfnc-low-flow': {
    label: 'High-flow cannula at low flow',
    meaning: 'High-flow nasal cannula set at 6 L/min or less: graded as low-flow oxygen (grade 2).',
    action: 'Check the device and flow recorded; ask the physician to confirm the grade.',
  },
  'fever-masked': {
    label: 'Fever masked by treatment',
    meaning: 'CRS is established and fever medicine or tocilizumab/steroids were given: graded without needing fever.',
    action: 'Keep recording blood pressure and oxygen; the grade follows them.',
  },
  'suspected-masked-fever': {
    label: 'Fever may be masked',
    meaning: 'No fever, but low blood pressure or oxygen need after a steroid or fever medicine, which can hide a fever.',
    action: 'Call the physician now: they must decide the CRS grade.',
  },
  'clinician-review': {
    label: 'Physician review needed',
    meaning: 'The system cannot decide this grade alone.',
    action: 'Ask the physician to review the grade.',
  },
  'baseline-limited': {
    label: 'At the patient’s baseline',
    meaning: 'The score equals the patient’s recorded baseline (language barrier or earlier deficit), so it counts as normal.',
    action: 'Check that the recorded baseline is right.',
  },
  sedated: {
    label: 'Sedated',
    meaning: 'Sedating medicine: ICE/CAPD and level of consciousness cannot be judged; the grade comes from the other findings.',
    action: 'Repeat the neuro check when sedation is lightened.',
  },
  'oxygen-flow-missing': {
    label: 'Oxygen flow not recorded',
    meaning: 'Nasal cannula with no flow recorded: graded as low flow (grade 2).',
    action: 'Record the oxygen flow in L/min.',
  },
  'comfort-oxygen-unverified': {
    label: 'Comfort oxygen not confirmed',
    meaning: 'Oxygen is marked “for comfort”, but there is no SpO2 of 94 % or more on room air, so it counts as oxygen need.',
    action: 'Record an SpO2 on room air, or remove the “for comfort” mark.',
  },
  'hypoxia-without-documented-support': {
    label: 'Low SpO2, no oxygen recorded',
    meaning: 'SpO2 below 90 % on room air and no oxygen device recorded.',
    action: 'Check the patient now; record any oxygen given.',
  },
  'caregiver-reported': {
    label: 'Caregiver-reported',
    meaning: 'A family member or caregiver reported this from home (check-in page); no clinician has assessed it yet.',
    action: 'Contact the patient and assess ICE now.',
  },
  'patient-reported': {
    label: 'Patient-reported',
    meaning: 'The patient reported this from home (check-in page); no clinician has assessed it yet.',
    action: 'Contact the patient and assess ICE now.',
  },
  'ice-age-threshold': {
    label: 'Age 12: ICE or CAPD',
    meaning: 'The patient is exactly 12; sources disagree whether ICE or CAPD applies. ICE was used.',
    action: 'Ask the physician which scale to use.',
  },
  'capd-baseline-missing': {
    label: 'No CAPD baseline',
    meaning: 'No baseline CAPD is recorded, so any CAPD above 0 is taken as a change.',
    action: 'Record the child’s baseline CAPD.',
  },
  'edema-with-haemorrhage': {
    label: 'Brain bleed recorded',
    meaning: 'An intracranial haemorrhage is recorded: swelling or pressure signs may come from the bleed, not ICANS.',
    action: 'Ask the physician to confirm the ICANS grade.',
  },
  'incomplete-assessment': {
    label: 'Neuro check incomplete',
    meaning: 'ICE/CAPD or level of consciousness is missing: the ICANS grade may be too low.',
    action: 'Complete the neuro check.',
  },
  'scale-age-mismatch': {
    label: 'Wrong scale for age',
    meaning: 'Only the scale not meant for this age was scored (ICE from 12 years, CAPD below): graded from it.',
    action: 'Score the scale for the patient’s age (ICE from 12, CAPD under 12).',
  },
  'scales-disagree': {
    label: 'ICE and CAPD disagree',
    meaning: 'Both ICE and CAPD were scored and give different grades: the more severe was taken.',
    action: 'Ask the physician to review the neuro check.',
  },
  'afebrile-support': {
    label: 'Support without fever',
    meaning: 'No fever, so no CRS by ASTCT, but the patient needs oxygen or blood-pressure support that CRS does not explain.',
    action: 'Tell the physician: the cause needs review.',
  },
};

/** Why a scale could not be graded. */
export const reasonWords = {
  'suspected-masked-fever': {
    label: 'Fever may be masked',
    meaning: 'No fever, but low blood pressure or oxygen need after a steroid or fever medicine, which can hide a fever.',
    action: 'Call the physician now: they must decide the CRS grade.',
  },
  sedated: {
    label: 'Sedated',
    meaning: 'Sedating medicine: the neuro check cannot be judged and nothing else is abnormal.',
    action: 'Repeat the neuro check when sedation is lightened.',
  },
  'temperature-missing': {
    label: 'No temperature',
    meaning: 'No current temperature: CRS cannot be graded without one.',
    action: 'Take and record a temperature.',
  },
  'no-neuro-assessment': {
    label: 'No neuro check',
    meaning: 'No current neuro check: ICANS cannot be graded.',
    action: 'Do a neuro check.',
  },
  'ice-missing': {
    label: 'No ICE score',
    meaning: 'No ICE recorded (neither a score nor “not possible”): ICANS cannot be graded.',
    action: 'Do the ICE, or record why it was not possible.',
  },
  'capd-missing': {
    label: 'No CAPD score',
    meaning: 'No CAPD recorded for this child: ICANS cannot be graded.',
    action: 'Score the CAPD.',
  },
};

/** The inputs a grade reports as stale or missing (names of the status basis and staleOrMissing). */
export const inputWords = {
  temperature: 'temperature',
  latestTemperature: 'temperature',
  systolicBp: 'blood pressure',
  oxygenDevice: 'oxygen or room air',
  oxygenFlow: 'oxygen flow',
  roomAirSpo2: 'SpO2 on room air',
  neuroCheck: 'neuro check',
  age: 'birth date',
  capdBaseline: 'CAPD baseline',
  baselineIceScore: 'ICE baseline',
};

const own = (table, code) => (Object.prototype.hasOwnProperty.call(table, code) ? table[code] : null);

const acronyms = { crs: 'CRS', icans: 'ICANS', ice: 'ICE', capd: 'CAPD', bp: 'BP', spo2: 'SpO2', icp: 'ICP', o2: 'O2', hfnc: 'HFNC' };

/** A code or name as words: "check-overdue" -> "Check overdue", "SystolicBp" -> "Systolic BP", "icans" -> "ICANS". */
export function humanize(code) {
  if (code == null || code === '') return '';
  const words = String(code).replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[-_\s]+/).filter(Boolean)
    .map((w, i) => own(acronyms, w.toLowerCase()) ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1).toLowerCase() : w.toLowerCase()));
  return words.join(' ');
}

/** The words of a review flag: {code, label, meaning, action, known}; an unknown code is humanized. */
export function flagText(code) {
  const words = own(flagWords, code);
  return words ? { code, ...words, known: true } : { code, label: humanize(code), meaning: '', action: '', known: false };
}

/** The words of a not-gradable reason, like flagText. */
export function reasonText(code) {
  const words = own(reasonWords, code);
  return words ? { code, ...words, known: true } : { code, label: humanize(code), meaning: '', action: '', known: false };
}

/** "Fever may be masked: No fever, but … Call the physician now: …" (a title or an alert line). */
export const sentence = (w) => [w.label, [w.meaning, w.action].filter(Boolean).join(' ')].filter(Boolean).join(': ');

export const inputName = (name) => own(inputWords, name) ?? humanize(name).toLowerCase();

/** "5 h", "40 min", "2 d 3 h": how long ago, for "no temperature for 5 h". */
export function ago(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * The stale or missing inputs of a grade, in words: [{input, state: 'missing'|'stale'|'other', lastAt, text}].
 * `gaps` are the service's structured gaps ({input, lastAt, text}); `now` is the page's "as of" instant.
 * "No temperature for 5 h" (stale: the last one is 5 h old), "No neuro check yet" (never recorded).
 */
export function gapTexts(gaps, now) {
  const seen = new Set();
  const out = [];
  for (const gap of gaps ?? []) {
    const name = inputName(gap.input);
    const state = gap.lastAt ? 'stale' : gap.missing ? 'missing' : 'other';
    const key = `${name}|${state}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rest = String(gap.text ?? '').replace(/^[^:]*:\s*/, '');
    const text = state === 'stale' ? `No ${name} for ${ago(Date.parse(now) - Date.parse(gap.lastAt))}`
      : state === 'missing' ? `No ${name} yet`
        : `${name.charAt(0).toUpperCase()}${name.slice(1)}: ${rest}`;
    out.push({ input: gap.input, state, lastAt: gap.lastAt ?? null, text, detail: gap.text });
  }
  return out;
}
