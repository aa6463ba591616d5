// Issue 15: HL7 v2 over MLLP to the service with independent npm software: node-hl7-client (4.0.0) sends every message
// (its Client, Connection and MLLP framing) and builds the ADT messages (its HL7_2_5_1 builder); hl7v2 (1.9.0) builds
// the monitor's ORU^R01 messages and parses every ACK the service returns (MSA-1, MSA-2, ERR-2, ERR-3).
// Run by tests/CrsMonitor.Service.Tests/Hl7v2/V2NodeClientTests.cs, which starts the service (MLLP listener and HTTP on
// loopback ports) and asserts each step of the JSON object printed here. By hand:
//   node scenario.mjs MLLP_PORT HTTP_BASE_URL NURSE_7W_TOKEN NURSE_8E_TOKEN PATIENT START
// or the same in V2_MLLP_PORT, V2_HTTP_BASE_URL, V2_NURSE_TOKEN, V2_OTHER_NURSE_TOKEN, V2_PATIENT, V2_START.
// PATIENT names PID-3 MRN-{PATIENT} of authority HOSP (the service maps HOSP to urn:mrn) and the visit V-{PATIENT};
// START is the first instant of the story (admission); every time sent is within the 80 minutes after it, so the
// service's clock must be at least START + 80 min.
// Each step is recorded by name; a step that throws is recorded as {"unexpected": ...} and the script exits 1 after
// printing everything (so the test names the step). Between steps the service's side is read over HTTP: the census of
// each unit and the patient's status, as a nurse of the unit sees them.
//
// Library notes (each a workaround, kept visible here):
// - node-hl7-client's builder formats dates without a UTC offset (local time, createHL7Date) and ignores a string for
//   MSH-7 and EVN-2 (MSH-7 is always "now"): MSH-7 and EVN-2 are set afterwards with Message.set(), its documented
//   editing API, to the story's times with +0000. hl7v2 also writes a Date without offset: its times are given as
//   strings. This process runs in UTC (TZ below) so nothing depends on the machine's zone.
// - node-hl7-client's buildPV1 validates PV1-19 (visit number) against a maximum of 15 characters, the length of HL7
//   2.3, also for HL7_2_5_1 (2.5.1: 250): PV1-19 is set with Message.set() as well.
// - hl7v2 writes MSH-18 "UTF-8" by default, which is not a value of HL7 table 0211 (the service refuses it, as HL7
//   says): MSH-18 is set to "UNICODE UTF-8".
// - node-hl7-client: sendMessage() resolves once the bytes are written, not when the ACK comes; the ACK reaches the
//   connection's handler with nothing tying it to the message. With waitAck (the default) one message is in flight at a
//   time, so send() below waits for the handler's next ACK before the next message. A message sent while the socket is
//   still connecting is queued AND makes the connection dial a second socket: open() waits for the documented
//   "connect" event before the first send, so each connection is one TCP connection.
// - node-hl7-client hands the handler its own re-serialised Message; the text the service sent (less the MLLP frame and
//   the final CR, which its codec trims) is its "data.raw" event, not in its typings: both are recorded.
// - node-hl7-client 4.0.0 declares engines node >= 22 (hl7v2: >= 20); this runs under the Node.js 20 tests/run.sh finds
//   or installs, where npm ci only warns and everything used here works.
process.env.TZ = 'UTC';

import { once } from 'node:events';
import { Client, HL7_2_5_1, Message } from 'node-hl7-client';
import { HL7Message } from 'hl7v2';

const [argPort, argBase, argNurse, argOther, argPatient, argStart] = process.argv.slice(2);
const env = process.env;
const port = Number(argPort ?? env.V2_MLLP_PORT);
const baseUrl = (argBase ?? env.V2_HTTP_BASE_URL)?.replace(/\/$/, '');
const tokens = { '7W': argNurse ?? env.V2_NURSE_TOKEN, '8E': argOther ?? env.V2_OTHER_NURSE_TOKEN };
const patient = argPatient ?? env.V2_PATIENT;
const start = new Date(argStart ?? env.V2_START ?? Number.NaN);
if (!Number.isInteger(port) || port <= 0 || !baseUrl || !tokens['7W'] || !tokens['8E'] || !patient || Number.isNaN(start.getTime())) {
  console.error('usage: node scenario.mjs MLLP_PORT HTTP_BASE_URL NURSE_7W_TOKEN NURSE_8E_TOKEN PATIENT START');
  process.exit(2);
}

const VERSION = '2.5.1';
const ACK_TIMEOUT_MS = 15_000;
const MINUTES = 60;
const results = {};
let failed = false;
let connectionsOpened = 0;

/** An instant as HL7 DTM with its offset: YYYYMMDDHHMMSS+0000. */
const hl7Time = (date) => `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}+0000`;
const at = (minutes) => new Date(start.getTime() + minutes * 60_000);
const display = `${patient} Test`; // PID-5 Test^{patient}: the census shows "given family"

async function step(name, body) {
  try {
    results[name] = await body();
  } catch (error) {
    failed = true;
    results[name] = { unexpected: error?.stack ?? error?.message ?? String(error) };
  }
}

/**
 * One node-hl7-client connection: open() waits until it is connected; send() sends one message and resolves with its
 * ACK (what the handler got, and the raw text of the same ACK).
 */
async function open() {
  const client = new Client({ host: '127.0.0.1', version: VERSION });
  const waiting = [];
  const raws = [];
  let connects = 0;
  const connection = client.createConnection({ port, waitAck: true }, async (res) => {
    const next = waiting.shift();
    next?.resolve({ handled: res.getMessage().toString(), raw: raws.shift() ?? null, nodeMsa1: res.getMessage().get('MSA.1').toString() });
  });
  connection.on('data.raw', (raw) => raws.push(raw));
  connection.on('connect', () => { connects += 1; });
  const errors = [];
  connection.on('client.error', (e) => errors.push(String(e)));
  connection.on('data.error', (e) => errors.push(String(e)));
  await withTimeout(once(connection, 'connect'), 'connecting');
  connectionsOpened += 1;
  return {
    get connects() { return connects; },
    async send(message) {
      const ack = new Promise((resolve) => waiting.push({ resolve }));
      await connection.sendMessage(message);
      return withTimeout(ack, `the ACK of ${message.get('MSH.10').toString()}${errors.length ? ` (${errors.join('; ')})` : ''}`);
    },
    async close() {
      await connection.close();
      client.closeAll();
    },
  };
}

async function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ACK_TIMEOUT_MS} ms`)), ACK_TIMEOUT_MS); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends one message on a connection of its own. */
async function sendAlone(message) {
  const connection = await open();
  try {
    return await connection.send(message);
  } finally {
    await connection.close();
  }
}

/** The ACK as hl7v2 parses it: MSA-1, MSA-2, and each ERR's location (ERR-2), code (ERR-3), severity and text. */
function parseAck({ handled, raw, nodeMsa1 }) {
  const ack = HL7Message.parse(raw ?? handled);
  const msa = ack.getSegment('MSA');
  const errors = ack.segments.filter((s) => s.segmentType === 'ERR').map((err) => ({
    location: err.field(2).toHL7String(),
    segment: err.field(2).getValue(1) ?? null,
    sequence: err.field(2).getValue(2) ?? null,
    field: err.field(2).getValue(3) ?? null,
    code: err.field(3).getValue(1) ?? null,
    codeSystem: err.field(3).getValue(3) ?? null,
    severity: err.field(4).getValue() ?? null,
    text: err.field(8).getValue() ?? null,
  }));
  return {
    messageType: ack.messageType,
    version: ack.version,
    msa1: msa?.field(1).getValue() ?? null,
    msa2: msa?.field(2).getValue() ?? null,
    msa3: msa?.field(3).getValue() ?? null,
    errors,
    nodeMsa1,
    raw,
    handledIsRaw: raw === handled,
  };
}

/** ADT built with node-hl7-client's HL7_2_5_1 builder (PV1-3.1 is the unit, PV1-19 the visit number). */
function adt(trigger, control, { unit, eventMinutes, dischargedMinutes }) {
  const message = new HL7_2_5_1({ hardError: true })
    .buildMSH({
      msh_3: 'ADT', msh_4: 'HOSP', msh_5: 'CRSMONITOR', msh_6: 'HOSPITAL',
      msh_9_1: 'ADT', msh_9_2: trigger, msh_9_3: 'ADT_A01', msh_10: control, msh_11_1: 'P',
    })
    .buildEVN({ evn_1: trigger })
    .buildPID({ pid_1: '1', pid_3: `MRN-${patient}^^^HOSP^MR`, pid_5: `Test^${patient}`, pid_7: '19600501', pid_8: 'F' })
    .buildPV1({
      pv1_1: '1', pv1_2: 'I', pv1_3: `${unit}^${unit.slice(0, 1)}01^1`,
      pv1_44: hl7Time(at(0)), ...(dischargedMinutes === undefined ? {} : { pv1_45: hl7Time(at(dischargedMinutes)) }),
    })
    .toMessage();
  // The builder writes MSH-7 and EVN-2 as "now" without an offset (see the notes above): the story's times instead.
  message.set('MSH.7', hl7Time(at(eventMinutes)));
  message.set('EVN.2', hl7Time(at(eventMinutes)));
  // buildPV1 refuses a PV1-19 longer than 15 characters (v2.3's length; 2.5.1 allows 250), which a visit number with
  // its assigning authority and type code exceeds: PV1-19 is set afterwards, like MSH-7.
  message.set('PV1.19', `V-${patient}^^^HOSP^VN`);
  return message;
}

/**
 * One ORU^R01 as a bedside monitor sends it, built with hl7v2: MDC codes and MDC units, one OBX per value, observed at
 * the given minute. Handed to node-hl7-client as text (new Message({text})) to send.
 */
function monitorOru(control, minutes, values) {
  const observed = hl7Time(at(minutes));
  const m = new HL7Message(VERSION);
  const msh = m.header;
  [[3, 'MONITOR'], [4, '7WEST'], [5, 'CRSMONITOR'], [6, 'HOSPITAL'], [7, observed], [10, control], [11, 'P'], [18, 'UNICODE UTF-8']]
    .forEach(([n, v]) => msh.field(n).setValue(v));
  ['ORU', 'R01', 'ORU_R01'].forEach((v, i) => msh.field(9).setValue(v, i + 1));
  const pid = m.addSegment('PID');
  pid.field(1).setValue('1');
  [`MRN-${patient}`, '', '', 'HOSP', 'MR'].forEach((v, i) => pid.field(3).setValue(v, i + 1));
  pid.field(5).setValue('Test', 1);
  pid.field(5).setValue(patient, 2);
  const obr = m.addSegment('OBR');
  obr.field(1).setValue('1');
  obr.field(3).setValue(control, 1);
  obr.field(3).setValue('MONITOR', 2);
  ['vitals', 'Vital signs', 'L'].forEach((v, i) => obr.field(4).setValue(v, i + 1));
  obr.field(7).setValue(observed);
  values.forEach(({ code, value, unit, status = 'F' }, i) => {
    const obx = m.addSegment('OBX');
    obx.field(1).setValue(String(i + 1));
    obx.field(2).setValue('NM');
    code.split('^').forEach((v, c) => obx.field(3).setValue(v, c + 1));
    obx.field(5).setValue(value);
    unit.split('^').forEach((v, c) => obx.field(6).setValue(v, c + 1));
    obx.field(11).setValue(status);
    obx.field(14).setValue(observed);
  });
  return new Message({ text: m.toHL7String() });
}

const SPO2 = '150456^MDC_PULS_OXIM_SAT_O2^MDC';
const HR = '147842^MDC_ECG_HEART_RATE^MDC';
const TEMP = '150364^MDC_TEMP_BODY^MDC';
const SYS = '150021^MDC_PRESS_BLD_NONINV_SYS^MDC';
const DIA = '150022^MDC_PRESS_BLD_NONINV_DIA^MDC';
const PERCENT = '262688^MDC_DIM_PERCENT^MDC';
const BPM = '264864^MDC_DIM_BEAT_PER_MIN^MDC';
const DEGC = '268192^MDC_DIM_DEGC^MDC';
const MMHG = '266016^MDC_DIM_MMHG^MDC';

/** Minute n of the monitor's stream: steady vital signs, the temperature rising to 38.4 Cel in the last minute. */
function minute(n) {
  const temperature = n === MINUTES ? '38.4' : (36.8 + (n % 5) / 10).toFixed(1);
  return monitorOru(`MON-${patient}-${String(n).padStart(4, '0')}`, n, [
    { code: SPO2, value: '97', unit: PERCENT },
    { code: HR, value: String(78 + (n % 7)), unit: BPM },
    { code: TEMP, value: temperature, unit: DEGC },
    { code: SYS, value: '118', unit: MMHG },
    { code: DIA, value: '76', unit: MMHG },
  ]);
}

async function census(unit) {
  const response = await fetch(`${baseUrl}/api/units/${unit}/patients`, { headers: { Authorization: `Bearer ${tokens[unit]}` } });
  if (response.status !== 200) throw new Error(`GET /api/units/${unit}/patients: ${response.status} ${await response.text()}`);
  const body = await response.json();
  const mine = (body.patients ?? []).filter((p) => p.displayName === display);
  return { onCensus: mine.length > 0, patientIds: mine.map((p) => p.patientId) };
}

async function status(patientId, unit) {
  const response = await fetch(`${baseUrl}/api/patients/${patientId}/status`, { headers: { Authorization: `Bearer ${tokens[unit]}` } });
  if (response.status !== 200) throw new Error(`GET /api/patients/${patientId}/status: ${response.status} ${await response.text()}`);
  const body = await response.json();
  const grade = (g) => ({
    status: g?.status ?? null,
    grade: g?.grade ?? null,
    rules: (g?.rules ?? []).map((r) => r.id),
    basis: (g?.basis ?? []).map((b) => ({ name: b.name, value: b.value, at: b.at })),
  });
  return { crs: grade(body.crs), icans: grade(body.icans), episodes: body.episodes ?? null };
}

/** How many Observations of the patient carry each MDC code (FHIR search, _summary=count), as the unit's nurse. */
async function stored(patientId, unit) {
  const counts = {};
  for (const code of [SPO2, HR, TEMP, SYS, DIA]) {
    const [mdc, reference] = code.split('^');
    const token = encodeURIComponent(`urn:iso:std:iso:11073:10101|${mdc}`);
    const response = await fetch(`${baseUrl}/fhir/Observation?patient=${patientId}&code=${token}&_summary=count`, {
      headers: { Authorization: `Bearer ${tokens[unit]}`, Accept: 'application/fhir+json' },
    });
    if (response.status !== 200) throw new Error(`GET /fhir/Observation (${reference}): ${response.status} ${await response.text()}`);
    counts[reference] = (await response.json()).total ?? null;
  }
  return counts;
}

let patientId = null;
let oneOru = null; // the stream's last-but-one ORU, and the ACK it got there
let oneOruAck = null;

await step('admit', async () => {
  const ack = parseAck(await sendAlone(adt('A01', `ADM-${patient}`, { unit: '7W', eventMinutes: 0 })));
  const west = await census('7W');
  patientId = west.patientIds[0] ?? null;
  return { ack, west, east: await census('8E') };
});

await step('stream', async () => {
  const connection = await open();
  const sent = [];
  const acks = [];
  try {
    for (let n = 1; n <= MINUTES; n += 1) {
      const message = minute(n);
      sent.push(message.get('MSH.10').toString());
      acks.push(parseAck(await connection.send(message)));
      if (n === MINUTES - 1) [oneOru, oneOruAck] = [message, acks.at(-1)];
    }

    return {
      connects: connection.connects,
      sent,
      codes: acks.map((a) => a.msa1),
      nodeCodes: acks.map((a) => a.nodeMsa1),
      answered: acks.map((a) => a.msa2),
      errors: acks.flatMap((a) => a.errors),
      handledIsRaw: acks.every((a) => a.handledIsRaw),
      firstAck: acks[0] ?? null,
      status: patientId === null ? null : await status(patientId, '7W'),
      stored: patientId === null ? null : await stored(patientId, '7W'),
    };
  } finally {
    await connection.close();
  }
});

await step('resend', async () => {
  // The stream's last-but-one ORU again, the very same Message, on a new connection (a sender that lost the ACK).
  if (oneOru === null) throw new Error('the stream sent nothing to resend');
  const connection = await open();
  try {
    const again = parseAck(await connection.send(oneOru));
    return {
      controlId: oneOru.get('MSH.10').toString(),
      original: oneOruAck,
      again,
      status: patientId === null ? null : await status(patientId, '7W'),
      stored: patientId === null ? null : await stored(patientId, '7W'),
    };
  } finally {
    await connection.close();
  }
});

await step('transfer', async () => {
  const ack = parseAck(await sendAlone(adt('A02', `TRF-${patient}`, { unit: '8E', eventMinutes: 70 })));
  return { ack, west: await census('7W'), east: await census('8E') };
});

await step('discharge', async () => {
  const ack = parseAck(await sendAlone(adt('A03', `DIS-${patient}`, { unit: '8E', eventMinutes: 80, dischargedMinutes: 80 })));
  return { ack, west: await census('7W'), east: await census('8E') };
});

await step('refused', async () => {
  // A temperature in kg: a unit the rules refuse, in the first OBX.
  const message = monitorOru(`BAD-${patient}`, 65, [{ code: TEMP, value: '38.1', unit: 'kg^kg^UCUM' }]);
  return { ack: parseAck(await sendAlone(message)) };
});

await step('unsupported', async () => {
  // ADT^A05 (pre-admit) is not a message the service takes: AR.
  const message = new HL7_2_5_1({ hardError: true })
    .buildMSH({
      msh_3: 'ADT', msh_4: 'HOSP', msh_5: 'CRSMONITOR', msh_6: 'HOSPITAL',
      msh_9_1: 'ADT', msh_9_2: 'A05', msh_9_3: 'ADT_A05', msh_10: `PRE-${patient}`, msh_11_1: 'P',
    })
    .buildEVN({ evn_1: 'A05' })
    .buildPID({ pid_1: '1', pid_3: `MRN-${patient}^^^HOSP^MR`, pid_5: `Test^${patient}` })
    .toMessage();
  message.set('MSH.7', hl7Time(at(75)));
  message.set('EVN.2', hl7Time(at(75)));
  return { ack: parseAck(await sendAlone(message)) };
});

results.connectionsOpened = connectionsOpened;
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(failed ? 1 : 0);
