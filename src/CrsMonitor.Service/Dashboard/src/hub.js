// The SignalR connection to /hubs/alerts: alertRaised, alertUpdated, alertMoved, patientStatusChanged.
//
// alertMoved (an open alert followed its patient to another unit) comes once per unit with that unit's seq: the
// unit it left gets {id, unit, seq, patientId, from, to, at, alert: null}, the unit it joined the same with the
// alert. It is emitted as an 'alert' event like the others (unit, seq, id and patientId at the top); alerts.js
// tells the kinds apart.
//
// Every alert carries its unit's sequence number. The highest seen per unit is kept here; an event at or below it
// has been seen (or is covered by a newer snapshot) and is dropped, so nothing is shown twice. After every
// (re)connect, Resume({unit: lastSeq}) makes the server send what this page missed, in order, before it answers.
// While the connection is down, the banner says so and since when the data dates.

import { HubConnectionBuilder, HubConnectionState, HttpTransportType, LogLevel } from '@microsoft/signalr';
import { auth, freshness } from './api.js';
import { formatTime } from './format.js';

const retryDelaysMs = [0, 1000, 2000, 5000, 10000];
const keepRetryingMs = 10000;

const seenSeq = new Map();
const listeners = { alert: new Set(), status: new Set(), connected: new Set() };

let connection = null;
let units = [];
let stopped = true;
let connected = false;
let startTimer = null;

/** Subscribes to 'alert' ({event, alert}; for alertMoved, alert is the move), 'status' ({unit, patientId, at}) or 'connected' (after Resume); returns the unsubscribe. */
export function on(event, listener) {
  listeners[event].add(listener);
  return () => listeners[event].delete(listener);
}

function emit(event, payload) {
  for (const listener of [...listeners[event]]) {
    try { listener(payload); } catch (e) { console.error(`hub ${event} listener failed`, e); }
  }
}

export const lastSeq = (unit) => seenSeq.get(unit) ?? 0;

/** A snapshot of a unit's alerts as of `seq` (GET .../alerts lastSeq): events up to it are in it. */
export function advanceSeq(unit, seq) {
  if (Number.isInteger(seq) && seq > lastSeq(unit)) seenSeq.set(unit, seq);
}

export const isConnected = () => connected;

function onAlertEvent(event, alert) {
  if (!alert || typeof alert.unit !== 'string' || !Number.isInteger(alert.seq)) {
    console.warn(`hub: ${event} without unit or seq ignored`, alert);
    return;
  }
  if (alert.seq <= lastSeq(alert.unit)) return;
  seenSeq.set(alert.unit, alert.seq);
  freshness.mark();
  emit('alert', { event, alert });
}

function setConnected(value) {
  connected = value;
  const banner = document.getElementById('connection-banner');
  if (banner) {
    banner.hidden = value || stopped;
    updateBannerText();
  }
}

function updateBannerText() {
  const banner = document.getElementById('connection-banner');
  if (!banner || banner.hidden) return;
  const asOf = freshness.lastDataAt ? formatTime(freshness.lastDataAt) : 'none received yet';
  banner.textContent = `Connection lost, data as of ${asOf}. Reconnecting…`;
}

freshness.listeners.add(updateBannerText);

/** After start or reconnect: ask for what was missed, then let the pages re-fetch. */
async function resume() {
  const since = Object.fromEntries(units.map((u) => [u, lastSeq(u)]));
  try {
    const current = await connection.invoke('Resume', since);
    for (const [unit, seq] of Object.entries(current ?? {})) {
      // A sequence lower than ours means the server's numbering started again (a new database): follow it.
      if (Number.isInteger(seq) && seq < lastSeq(unit)) seenSeq.set(unit, seq);
      else advanceSeq(unit, seq);
    }
  } catch (e) {
    console.warn('hub: Resume failed; the pages re-fetch instead', e);
  }
  freshness.mark();
  setConnected(true);
  emit('connected');
}

function build() {
  connection = new HubConnectionBuilder()
    // One WebSocket, no negotiate request: the connection is that socket, to whichever node the load balancer chose,
    // so several nodes need no sticky sessions (README, decision log). Every browser the wards use speaks WebSockets.
    .withUrl('/hubs/alerts', { accessTokenFactory: () => auth.token, skipNegotiation: true, transport: HttpTransportType.WebSockets })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => retryDelaysMs[ctx.previousRetryCount] ?? keepRetryingMs })
    .configureLogging(LogLevel.Warning)
    .build();
  connection.on('alertRaised', (alert) => onAlertEvent('alertRaised', alert));
  connection.on('alertUpdated', (alert) => onAlertEvent('alertUpdated', alert));
  connection.on('alertMoved', (move) => onAlertEvent('alertMoved', move));
  connection.on('patientStatusChanged', (change) => {
    freshness.mark();
    emit('status', change ?? {});
  });
  connection.onreconnecting(() => setConnected(false));
  connection.onreconnected(() => resume());
  // Automatic reconnection never gives up, so a close means it could not even begin (or stop() was called).
  connection.onclose(() => {
    setConnected(false);
    scheduleStart(keepRetryingMs);
  });
}

function scheduleStart(delayMs) {
  clearTimeout(startTimer);
  if (!stopped) startTimer = setTimeout(start, delayMs);
}

/** The first start is not covered by automatic reconnection: retry on the same schedule until it works. */
let startAttempt = 0;
async function start() {
  if (stopped || connection.state !== HubConnectionState.Disconnected) return;
  try {
    await connection.start();
    startAttempt = 0;
    await resume();
  } catch (e) {
    console.warn('hub: could not connect', e?.message ?? e);
    setConnected(false);
    startAttempt += 1;
    scheduleStart(Math.max(1000, retryDelaysMs[startAttempt] ?? keepRetryingMs));
  }
}

/** Connects for the token's units (idempotent). */
export function startHub(tokenUnits) {
  units = [...tokenUnits];
  if (!stopped) return;
  stopped = false;
  if (!connection) build();
  start();
}

/** Disconnects and forgets everything (sign-out). */
export async function stopHub() {
  stopped = true;
  clearTimeout(startTimer);
  seenSeq.clear();
  setConnected(false);
  if (connection) {
    const c = connection;
    connection = null;
    await c.stop().catch(() => {});
  }
}
