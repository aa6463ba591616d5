// Issue 13: the npm FHIR client fhir-kit-client (2.0.3) against the service over HTTP, with no workaround.
// Run by tests/CrsMonitor.Service.Tests/Fhir/FhirKitClientTests.cs, which starts the service, admits the patient and
// asserts each step of the JSON object printed here. By hand:
//   node scenario.mjs BASE_URL INTEGRATION_TOKEN NURSE_TOKEN OTHER_UNIT_NURSE_TOKEN PATIENT_ID NOW
// or the same in FHIR_BASE_URL, FHIR_INTEGRATION_TOKEN, FHIR_NURSE_TOKEN, FHIR_OTHER_NURSE_TOKEN, FHIR_PATIENT, FHIR_NOW.
// BASE_URL is http://127.0.0.1:PORT/fhir; the nurse token is of the patient's unit (7W) and the other one of another
// unit; NOW is the service's clock (every effective time is a few hours before it).
// Each step is recorded by name; a step that throws what it should not is recorded as {"unexpected": ...} and the
// script exits 1 after printing everything (so the test names the step).
import { randomUUID } from 'node:crypto';
import { Client } from 'fhir-kit-client';

const [argBase, argIntegration, argNurse, argOther, argPatient, argNow] = process.argv.slice(2);
const env = process.env;
const baseUrl = argBase ?? env.FHIR_BASE_URL;
const tokens = {
  integration: argIntegration ?? env.FHIR_INTEGRATION_TOKEN,
  nurse: argNurse ?? env.FHIR_NURSE_TOKEN,
  other: argOther ?? env.FHIR_OTHER_NURSE_TOKEN,
};
const patient = argPatient ?? env.FHIR_PATIENT;
const now = new Date(argNow ?? env.FHIR_NOW ?? Date.now());
if (!baseUrl || !tokens.integration || !tokens.nurse || !tokens.other || !patient || Number.isNaN(now.getTime())) {
  console.error('usage: node scenario.mjs BASE_URL INTEGRATION_TOKEN NURSE_TOKEN OTHER_UNIT_NURSE_TOKEN PATIENT_ID [NOW]');
  process.exit(2);
}

// The token through each of the client's two ways: bearerToken, and customHeaders (as a proxy's header would be).
const integration = new Client({ baseUrl, bearerToken: tokens.integration });
const nurse = new Client({ baseUrl, customHeaders: { Authorization: `Bearer ${tokens.nurse}` } });
const otherNurse = new Client({ baseUrl, bearerToken: tokens.other });

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const IDS = 'urn:ehr:obs';
const run = randomUUID().slice(0, 8); // identifiers of this run, so a rerun on the same database is new content

const at = (hoursBefore) => new Date(now.getTime() - hoursBefore * 3600_000).toISOString().replace('.000Z', 'Z');

function observation({ subject = `Patient/${patient}`, code = '8310-5', value, unit = 'Cel', hoursBefore, identifier, effective = true }) {
  return {
    resourceType: 'Observation',
    ...(identifier ? { identifier: [{ system: IDS, value: identifier }] } : {}),
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code }] },
    subject: { reference: subject },
    ...(effective ? { effectiveDateTime: at(hoursBefore) } : {}),
    valueQuantity: { value, unit, system: UCUM, code: unit },
  };
}

/** What the client returned, and the HTTP answer behind it (fhir-kit-client keeps the Response on the result). */
function answer(resource) {
  const { response } = Client.httpFor(resource);
  return {
    status: response?.status,
    location: response?.headers.get('location') ?? null,
    etag: response?.headers.get('etag') ?? null,
    warning: response?.headers.get('warning') ?? null,
    resourceType: resource?.resourceType ?? null,
    id: resource?.id ?? null,
    versionId: resource?.meta?.versionId ?? null,
    value: resource?.valueQuantity?.value ?? null,
  };
}

/** The rejection the client gives for an error status: fhir-kit-client rejects with an Error carrying {response: {status, data}}. */
async function rejection(call) {
  try {
    const resource = await call();
    return { rejected: false, resolvedWith: answer(resource) };
  } catch (error) {
    const data = error?.response?.data;
    const issue = data?.issue?.[0];
    return {
      rejected: true,
      isError: error instanceof Error,
      message: error?.message ?? String(error),
      status: error?.response?.status ?? null,
      resourceType: data?.resourceType ?? null,
      severity: issue?.severity ?? null,
      code: issue?.code ?? null,
      expression: issue?.expression?.[0] ?? null,
      diagnostics: issue?.diagnostics ?? null,
    };
  }
}

const results = {};
let failed = false;
async function step(name, body) {
  try {
    results[name] = await body();
  } catch (error) {
    failed = true;
    results[name] = {
      unexpected: error?.message ?? String(error),
      status: error?.response?.status ?? null,
      data: error?.response?.data ?? null,
    };
  }
}

const created = {};

await step('create', async () => {
  const resource = await integration.create({ resourceType: 'Observation', body: observation({ value: 38.2, hoursBefore: 5 }) });
  created.temperature = resource;
  return answer(resource);
});

await step('createWithWarning', async () => {
  // A body mass index: stored, not graded; the warning must not take the created Observation's place.
  const resource = await integration.create({
    resourceType: 'Observation',
    body: observation({ code: '39156-5', value: 24.3, unit: 'kg/m2', hoursBefore: 4.5 }),
  });
  created.bmi = resource;
  return answer(resource);
});

await step('conditionalCreate', async () => {
  const identifier = `kit-cc-${run}`;
  const options = { headers: { 'If-None-Exist': `identifier=${IDS}|${identifier}` } };
  const body = observation({ value: 37.9, hoursBefore: 4, identifier });
  const first = await integration.create({ resourceType: 'Observation', body, options });
  const second = await integration.create({ resourceType: 'Observation', body, options });
  created.conditional = first;
  return { identifier, first: answer(first), second: answer(second) };
});

await step('update', async () => {
  const original = created.temperature;
  const body = { ...original, valueQuantity: { ...original.valueQuantity, value: 38.6 } };
  delete body.meta;
  return answer(await integration.update({ resourceType: 'Observation', id: original.id, body }));
});

await step('conditionalUpdate', async () => {
  // fhir-kit-client's own conditional form: update({searchParams}) is PUT Observation?identifier=system|value.
  const identifier = results.conditionalCreate.identifier;
  const body = observation({ value: 37.7, hoursBefore: 4, identifier });
  return answer(await integration.update({ resourceType: 'Observation', searchParams: { identifier: `${IDS}|${identifier}` }, body }));
});

await step('correction', async () => {
  const identifier = `kit-fix-${run}`;
  const first = await integration.create({ resourceType: 'Observation', body: observation({ value: 38.4, hoursBefore: 3, identifier }) });
  const second = await integration.create({ resourceType: 'Observation', body: observation({ value: 37.4, hoursBefore: 3, identifier }) });
  created.correction = second;
  return { first: answer(first), second: answer(second) };
});

await step('transaction', async () => {
  // A patient admitted and observed in one Bundle: the Encounter and the Observation refer to the Patient by urn:uuid.
  const patientUrn = `urn:uuid:${randomUUID()}`;
  const encounterUrn = `urn:uuid:${randomUUID()}`;
  const observationUrn = `urn:uuid:${randomUUID()}`;
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrn,
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: 'urn:mrn', value: `MRN-kit-${run}` }],
          name: [{ family: 'Kit', given: ['Transaction'] }],
          birthDate: '1958-02-11',
        },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: encounterUrn,
        resource: {
          resourceType: 'Encounter',
          status: 'in-progress',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
          subject: { reference: patientUrn },
          location: [{ location: { reference: 'Location/7W' } }],
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      {
        fullUrl: observationUrn,
        resource: observation({ subject: patientUrn, value: 39.1, hoursBefore: 2, identifier: `kit-tx-${run}` }),
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  };
  const response = await integration.transaction({ body: bundle });
  const entries = (response.entry ?? []).map((e) => ({ status: e.response?.status ?? null, location: e.response?.location ?? null }));
  const idOf = (location) => location?.split('/_history/')[0].split('/').at(-1) ?? null;
  const patientId = idOf(entries[0]?.location);
  const observationId = idOf(entries[2]?.location);
  // The unit's nurse reads the Observation the Bundle created: its subject is the Patient the Bundle created.
  const read = await nurse.read({ resourceType: 'Observation', id: observationId });
  return {
    status: Client.httpFor(response).response?.status,
    resourceType: response.resourceType,
    type: response.type,
    entries,
    patientId,
    observationId,
    observationSubject: read.subject?.reference ?? null,
  };
});

await step('read', async () => answer(await nurse.read({ resourceType: 'Observation', id: created.temperature.id })));

await step('vread', async () => answer(await nurse.vread({ resourceType: 'Observation', id: created.temperature.id, version: '1' })));

await step('pagedSearch', async () => {
  const pages = [];
  let bundle = await nurse.search({ resourceType: 'Observation', searchParams: { patient, _count: 2 } });
  while (bundle) {
    pages.push({
      status: Client.httpFor(bundle).response?.status,
      type: bundle.type,
      ids: (bundle.entry ?? []).map((e) => e.resource?.id),
      resourceTypes: [...new Set((bundle.entry ?? []).map((e) => e.resource?.resourceType))],
      next: bundle.link?.find((l) => l.relation === 'next')?.url ?? null,
    });
    if (pages.length > 100) throw new Error('more than 100 pages: the next links do not end');
    bundle = await nurse.nextPage({ bundle });
  }
  return {
    pages,
    ids: pages.flatMap((p) => p.ids),
    expected: [created.temperature, created.bmi, created.conditional, created.correction].map((r) => r?.id),
  };
});

await step('unprocessable', async () => {
  const body = observation({ value: 38.0, hoursBefore: 1, effective: false });
  return rejection(() => integration.create({ resourceType: 'Observation', body }));
});

await step('forbidden', async () => rejection(() => otherNurse.read({ resourceType: 'Observation', id: created.temperature.id })));

await step('notFound', async () => rejection(() => nurse.read({ resourceType: 'Observation', id: `no-such-${run}` })));

process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(failed ? 1 : 0);
