// Inbound call handling on a real Asterisk 22: time conditions (bands, holidays, time zone),
// manual switches (feature code with PIN, AstDB + device state over AMI, the REST API, BLF
// hint), blocked and anonymous callers, DISA, announcements, busy behaviour per extension, and
// the static loop check. A SIPp carrier on 127.0.0.2 delivers the calls as a trunk; which
// registered SIPp phone gets the INVITE tells the branch taken. A second carrier on 127.0.0.3
// is the outbound trunk (DISA).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPbx, waitFor, udpListening, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, describeSippResult, type SippOptions, type SippProcess, type SippResult } from '../lib/sipp.ts';
import { adminSession, Contract } from '../lib/api.ts';
import { AmiClient, type AmiEvent } from '../../src/asterisk/ami.ts';
import { createLogger } from '../../src/lib/log.ts';
import type { PbxConfigInput, TimeBand } from '../../src/domain/model.ts';

const PW = (u: string) => `Rc7-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-Zq4x`;
const dev = (u: string) => ({ username: u, password: PW(u) });

const DID = {
  tcInside: '0611000001',
  tcOutside: '0611000002',
  tcHoliday: '0611000003',
  tcYearly: '0611000004',
  tzLocal: '0611000005',
  tzUtc: '0611000006',
  night: '0611000010',
  rejectAnon: '0611000020',
  plain: '0611000021',
  disa: '0611000030',
  annHangup: '0611000040',
  annContinue: '0611000041',
  other: '0611000050',
} as const;
const DISA_PIN = '583917';
const SWITCH_PIN = '4711';

let pbx: PbxInstance;
let ami: AmiClient;
const amiEvents: AmiEvent[] = [];
let carrier1Port: number;
let carrier2Port: number;

// ---- time ----------------------------------------------------------------------------------

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Day = (typeof WEEK)[number];
interface ZonedNow {
  /** Index in WEEK (Monday 0). */
  weekday: number;
  /** Minutes since midnight. */
  minutes: number;
  seconds: number;
  /** 2026-03-14 */
  date: string;
}

function zonedNow(timeZone: string, at = new Date()): ZonedNow {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    }).formatToParts(at).map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  return {
    weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!),
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    seconds: Number(parts.second),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (min: number) => (min >= 1440 ? '24:00' : `${pad(Math.floor(min / 60))}:${pad(min % 60)}`);
const dayAt = (now: ZonedNow, offset: number): Day => WEEK[(now.weekday + offset + 7) % 7]!;

/** Bands covering now ± half minutes (split at midnight into the neighbouring days). */
function windowBands(now: ZonedNow, half: number): TimeBand[] {
  const from = now.minutes - half;
  const to = now.minutes + half;
  const bands: TimeBand[] = [{ days: [dayAt(now, 0)], from: hhmm(Math.max(0, from)), to: hhmm(Math.min(1440, to)) }];
  if (from < 0) bands.push({ days: [dayAt(now, -1)], from: hhmm(1440 + from), to: '24:00' });
  if (to > 1440) bands.push({ days: [dayAt(now, 1)], from: '00:00', to: hhmm(to - 1440) });
  return bands;
}

/** Bands covering the whole week except now ± half minutes. */
function allButWindow(now: ZonedNow, half: number): TimeBand[] {
  const from = now.minutes - half;
  const to = now.minutes + half;
  const bands: TimeBand[] = [];
  if (from > 0) bands.push({ days: [dayAt(now, 0)], from: '00:00', to: hhmm(from) });
  if (to < 1440) bands.push({ days: [dayAt(now, 0)], from: hhmm(to), to: '24:00' });
  bands.push(from < 0 ? { days: [dayAt(now, -1)], from: '00:00', to: hhmm(1440 + from) } : { days: [dayAt(now, -1)], from: '00:00', to: '24:00' });
  bands.push(to > 1440 ? { days: [dayAt(now, 1)], from: hhmm(to - 1440), to: '24:00' } : { days: [dayAt(now, 1)], from: '00:00', to: '24:00' });
  bands.push({ days: [2, 3, 4, 5].map((o) => dayAt(now, o)), from: '00:00', to: '24:00' });
  return bands;
}

/** Holidays compare dates: keep a call from straddling midnight in the zone. */
async function awayFromMidnight(timeZone: string): Promise<void> {
  const now = zonedNow(timeZone);
  if (now.minutes < 1439 - 1) return;
  await new Promise((r) => setTimeout(r, (1440 * 60 - (now.minutes * 60 + now.seconds) + 5) * 1000));
}

const dateIn = (timeZone: string, dayOffset: number) => zonedNow(timeZone, new Date(Date.now() + dayOffset * 86_400_000)).date;

// ---- configuration -------------------------------------------------------------------------

/** Time conditions for the system time zone `timeZone`, built around the current time. */
function timeConditions(timeZone: string): NonNullable<PbxConfigInput['timeConditions']> {
  const now = zonedNow(timeZone);
  const today = now.date;
  const [year] = today.split('-');
  const inside = { extension: '211' };
  const outside = { extension: '212' };
  const holiday = { extension: '213' };
  const utc = zonedNow('UTC');
  return [
    {
      name: 'tc-inside',
      bands: windowBands(now, 60),
      // Holidays on every other day of the year, none today: the bands decide.
      holidays: [{ from: dateIn(timeZone, -1) }, { from: dateIn(timeZone, 1).slice(5), to: dateIn(timeZone, -1).slice(5), yearly: true }],
      inside, outside, holiday,
    },
    { name: 'tc-outside', bands: allButWindow(now, 30), inside, outside, holiday },
    { name: 'tc-holiday', bands: windowBands(now, 60), holidays: [{ name: 'Today', from: today }], inside, outside, holiday },
    // Yearly: the year given is ignored (a leap year, so any today exists in it).
    { name: 'tc-yearly', bands: windowBands(now, 60), holidays: [{ from: `${Number(year) - 4}-${today.slice(5)}`, yearly: true }], inside, outside, holiday },
    // Now in the system zone vs now in UTC: only the first is inside when the zone is honoured.
    { name: 'tz-local', bands: windowBands(now, 20), inside, outside },
    { name: 'tz-utc', bands: windowBands(utc, 20), inside, outside },
  ];
}

function config(timeZone = 'UTC', extra: Partial<PbxConfigInput> = {}): PbxConfigInput {
  return {
    system: { name: 'Routing conditions test', language: 'en', timezone: timeZone },
    extensions: [
      { number: '201', name: 'Alice', class: 'national', devices: [dev('201')] },
      { number: '202', name: 'Bob', class: 'national', devices: [dev('202')] },
      { number: '211', name: 'Inside', devices: [dev('211')] },
      { number: '212', name: 'Outside', devices: [dev('212')] },
      { number: '213', name: 'Holiday', devices: [dev('213')] },
      { number: '221', name: 'Busy when busy', busyLevel: 1, whenBusy: 'busy', devices: [dev('221')] },
      { number: '222', name: 'Rings when busy', busyLevel: 1, whenBusy: 'ring', devices: [dev('222')], forward: { noAnswer: { extension: '224', after: 5 } } },
      { number: '223', name: 'Queues when busy', busyLevel: 1, whenBusy: 'queue', devices: [dev('223'), dev('223b')] },
      { number: '224', name: 'Covers 222', devices: [dev('224')] },
    ],
    trunks: [
      { name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrier1Port, qualify: false },
      { name: 'carrier2', type: 'ip', host: '127.0.0.3', port: carrier2Port, qualify: false },
    ],
    inboundRoutes: [
      { did: DID.tcInside, destination: { timeCondition: 'tc-inside' } },
      { did: DID.tcOutside, destination: { timeCondition: 'tc-outside' } },
      { did: DID.tcHoliday, destination: { timeCondition: 'tc-holiday' } },
      { did: DID.tcYearly, destination: { timeCondition: 'tc-yearly' } },
      { did: DID.tzLocal, destination: { timeCondition: 'tz-local' } },
      { did: DID.tzUtc, destination: { timeCondition: 'tz-utc' } },
      { did: DID.night, destination: { switch: 'night' } },
      { did: DID.rejectAnon, destination: { extension: '211' }, rejectAnonymous: true },
      { did: DID.plain, destination: { extension: '211' } },
      { did: DID.disa, destination: { disa: 'remote' } },
      { did: DID.annHangup, destination: { announcement: 'closed' } },
      { did: DID.annContinue, destination: { announcement: 'welcome' } },
      { did: DID.other, destination: { extension: '212' } },
    ],
    outbound: {
      rules: [
        { name: 'mobile', patterns: ['3XXXXXXXXX'], trunks: ['carrier2'] },
        { name: 'international', patterns: ['00Z.'], trunks: ['carrier2'] },
      ],
      classes: [
        { name: 'national', rules: ['mobile'] },
        { name: 'world', rules: ['mobile', 'international'] },
      ],
    },
    timeConditions: timeConditions(timeZone),
    switches: [
      {
        name: 'night',
        states: [{ name: 'day', destination: { extension: '211' } }, { name: 'night', destination: { extension: '212' } }],
        code: '*61',
        pin: SWITCH_PIN,
        allowed: ['201'],
      },
      {
        name: 'lunch',
        states: [
          { name: 'open', destination: { extension: '211' } },
          { name: 'lunch', destination: { extension: '212' } },
          { name: 'closed', destination: { extension: '213' } },
        ],
        code: '*62',
      },
    ],
    announcements: [
      { name: 'closed', prompt: { builtin: 'hello-world' }, then: { hangup: true } },
      { name: 'welcome', prompt: { builtin: 'beep' }, then: { extension: '213' } },
    ],
    disa: [{ name: 'remote', pin: DISA_PIN, class: 'national', callerId: '0612345600' }],
    blockedCallers: [
      { number: '3470000001', description: 'nuisance' },
      { number: '0039899X.', destination: { extension: '213' } },
    ],
    ...extra,
  };
}

// ---- helpers -------------------------------------------------------------------------------

const remote = () => `127.0.0.1:${pbx.sipPort}`;

async function phone(username: string, scenario = 'phone-uas.xml', extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const p = await startSipp({ scenario, remote: remote(), user: username, password: PW(username), timeoutMs: 60_000, ...extra });
  await p.waitForRegistration(10_000);
  return p;
}

/** A carrier (SIP trunk peer) listening on ip:port. */
async function carrier(ip: string, port: number, extra: Partial<SippOptions> = {}): Promise<SippProcess> {
  const c = await startSipp({ scenario: 'carrier-uas.xml', localIp: ip, localPort: port, timeoutMs: 60_000, ...extra });
  await waitFor(() => udpListening(ip, port), 5000, `the carrier on ${ip}:${port}`);
  return c;
}

/** A call from carrier1 (127.0.0.2) to a DID. */
function inbound(did: string, caller: string, extra: Partial<SippOptions> = {}): Promise<SippResult> {
  return runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: did, caller, holdMs: 500, timeoutMs: 30_000, ...extra });
}

/**
 * Registers a phone for each candidate extension, places the inbound call and reports which
 * of them got the INVITE (undefined: none), with the carrier's result.
 */
async function routedTo(did: string, caller: string, candidates: string[], extra: Partial<SippOptions> = {}): Promise<{ reached: string | undefined; call: SippResult; detail: string }> {
  const phones = await Promise.all(candidates.map((c) => phone(c)));
  const call = await inbound(did, caller, extra);
  const results = await Promise.all(
    phones.map(async (p) => {
      const events = await p.events();
      return events.includes('INVITE_RECEIVED') ? await p.done : await p.stop();
    }),
  );
  const reachedAll = candidates.filter((_, i) => results[i]!.inviteReceived);
  assert.ok(reachedAll.length <= 1, `one phone rang, not ${reachedAll.join(', ')}`);
  const detail = `call to ${did} from ${caller}:\n${describeSippResult(call)}`;
  return { reached: reachedAll[0], call, detail };
}

async function extensionState(exten: string, context: string): Promise<number> {
  const res = await ami.action({ action: 'ExtensionState', exten, context });
  return Number(res.status);
}

const eventsAfter = (mark: number) => amiEvents.slice(mark);
/** Applications a caller's channel ran, from the AMI Newexten events since `mark`. */
const appsOf = (mark: number, callerNumber: string) =>
  eventsAfter(mark).filter((e) => e.event === 'Newexten' && e.calleridnum === callerNumber).map((e) => `${String(e.application)}(${String(e.appdata ?? '')})`);

const logFile = () => join(pbx.dataDir, 'asterisk', 'log', 'messages.log');
const logSize = () => readFileSync(logFile(), 'utf8').length;
const logSince = (mark: number) => readFileSync(logFile(), 'utf8').slice(mark);

/**
 * A phone dials a switch code; `dtmf` is what it keys in once answered. Without RTP echo: with
 * it SIPp sends Asterisk's own prompt audio (Asterisk's SSRC) back on the stream that carries
 * the digits, and under load Authenticate read six digits in the time three were sent (a
 * correct PIN refused); with no audio from the phone the digits are the stream's only packets.
 */
function dialCode(from: string, code: string, dtmf: string, holdMs = 500): Promise<SippResult> {
  return runSipp({ scenario: 'uac-dtmf.xml', remote: remote(), service: code, user: from, password: PW(from), dtmf, holdMs, rtpEcho: false, timeoutMs: 40_000 });
}

/** A carrier call that keys in DTMF once answered (no RTP echo: see dialCode). */
function inboundDtmf(did: string, caller: string, dtmf: string, holdMs: number): Promise<SippResult> {
  return runSipp({ scenario: 'uac-dtmf.xml', remote: remote(), localIp: '127.0.0.2', service: did, caller, dtmf, holdMs, rtpEcho: false, timeoutMs: 60_000 });
}

/** An internal call that must be answered. */
function call(from: string, to: string, holdMs: number): Promise<SippResult> {
  return runSipp({ scenario: 'uac-call.xml', remote: remote(), service: to, user: from, password: PW(from), holdMs, timeoutMs: 90_000 });
}

before(async () => {
  carrier1Port = 26000 + Math.floor(Math.random() * 1000) * 2;
  carrier2Port = carrier1Port + 1;
  pbx = await startPbx(config());
  const secrets = JSON.parse(readFileSync(join(pbx.dataDir, 'secrets.json'), 'utf8')) as { amiSecret: string };
  ami = new AmiClient({ host: '127.0.0.1', port: pbx.amiPort, username: 'pbx-supervisor', secret: secrets.amiSecret, logger: createLogger({ level: 'silent' }) });
  ami.on('event', (e: AmiEvent) => amiEvents.push(e));
  ami.start();
  await waitFor(() => ami.connected, 20_000, 'AMI');
});
after(async () => {
  ami?.stop();
  await stopAllSipp();
  await pbx?.stop();
});

// DISA (no phones), busy behaviour (its own extensions) and everything that rings 211-213 run side
// by side; the tests of each track one after another.
describe('independent tracks', { concurrency: true }, () => {
  // One at a time: they share the phones of 211-213 (and suites inherit the outer concurrency).
  describe('routing to 211-213', { concurrency: 1 }, () => {
    // ---- time conditions -----------------------------------------------------------------------


    test('time condition (UTC): inside the bands, outside them, a holiday today, a yearly holiday', async () => {
      await awayFromMidnight('UTC');
      await pbx.apply(config('UTC'));
      const targets = ['211', '212', '213'];
      const inside = await routedTo(DID.tcInside, '3471000001', targets);
      assert.equal(inside.reached, '211', `inside the bands (other days are holidays): ${inside.detail}`);
      assert.equal(inside.call.ok, true, inside.detail);
      const outside = await routedTo(DID.tcOutside, '3471000002', targets);
      assert.equal(outside.reached, '212', `bands cover the whole week but the hour around now: ${outside.detail}`);
      const holiday = await routedTo(DID.tcHoliday, '3471000003', targets);
      assert.equal(holiday.reached, '213', `today is a holiday, which beats the bands: ${holiday.detail}`);
      const yearly = await routedTo(DID.tcYearly, '3471000004', targets);
      assert.equal(yearly.reached, '213', `today is a yearly holiday (given with another year): ${yearly.detail}`);
      // The zone pair: with the system in UTC both windows are "now".
      assert.equal((await routedTo(DID.tzUtc, '3471000005', ['211', '212'])).reached, '211');
    });

    test('time condition honours the system time zone (Europe/Rome)', async () => {
      await pbx.apply(config('Europe/Rome'));
      try {
        const local = await routedTo(DID.tzLocal, '3471000011', ['211', '212']);
        assert.equal(local.reached, '211', `a band around now in Rome time is inside: ${local.detail}`);
        const utc = await routedTo(DID.tzUtc, '3471000012', ['211', '212']);
        assert.equal(utc.reached, '212', `a band around now in UTC is outside when the box is in Rome: ${utc.detail}`);
      } finally {
        await pbx.apply(config('UTC'));
      }
    });

    // ---- switches ------------------------------------------------------------------------------

    test('night switch: first state by default, feature code with PIN toggles it, wrong PIN and other extensions change nothing, BLF hint follows', async () => {
      await pbx.apply(config('UTC'));
      assert.equal(await pbx.daemon.control.dbGet('pbx-switch', 'night'), undefined, 'no state stored: the first state');
      assert.equal(await extensionState('*61', 'pbx-class-national'), 0, 'BLF idle in the first state');
      assert.equal((await routedTo(DID.night, '3472000001', ['211', '212'])).reached, '211', 'day (the first state) routes to 211');

      // An extension not allowed to use the code is refused before anything is asked.
      const refused = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: '*61', user: '202', password: PW('202'), timeoutMs: 20_000 });
      assert.equal(refused.finalStatus, 403, describeSippResult(refused));

      // A wrong PIN, three times: Authenticate gives up and hangs up; the state stays.
      const wrong = await dialCode('201', '*61', '9999,9999,9999', 5000);
      assert.equal(wrong.answered, true, describeSippResult(wrong));
      assert.equal(wrong.byeFrom, 'remote', `the PBX hangs up after three wrong PINs: ${describeSippResult(wrong)}`);
      assert.equal(await pbx.daemon.control.dbGet('pbx-switch', 'night'), undefined, 'a wrong PIN changes nothing');
      assert.equal(await extensionState('*61', 'pbx-class-national'), 0);
      assert.equal((await routedTo(DID.night, '3472000002', ['211', '212'])).reached, '211');

      // The right PIN moves it to night.
      let mark = amiEvents.length;
      const ok = await dialCode('201', '*61', SWITCH_PIN, 3000);
      assert.equal(ok.ok, true, describeSippResult(ok));
      assert.equal(ok.byeFrom, 'remote', 'the PBX confirms and hangs up');
      assert.equal(await pbx.daemon.control.dbGet('pbx-switch', 'night'), 'night');
      await waitFor(async () => (await extensionState('*61', 'pbx-class-national')) === 1, 5000, 'the BLF hint to show in use');
      assert.equal(await extensionState('*61', 'pbx-noclass'), 1, 'the hint is reachable from every class');
      const announced = eventsAfter(mark).find((e) => e.event === 'UserEvent' && e.userevent === 'PbxSwitch');
      assert.ok(announced, 'a PbxSwitch user event');
      assert.equal(announced.switch, 'night');
      assert.equal(announced.state, 'night');
      assert.equal(announced.by, '201');
      assert.equal((await routedTo(DID.night, '3472000003', ['211', '212'])).reached, '212', 'night routes to 212');

      // And back.
      const back = await dialCode('201', '*61', SWITCH_PIN, 3000);
      assert.equal(back.ok, true, describeSippResult(back));
      assert.equal(await pbx.daemon.control.dbGet('pbx-switch', 'night'), 'day');
      await waitFor(async () => (await extensionState('*61', 'pbx-class-national')) === 0, 5000, 'the BLF hint to go idle');
      assert.equal((await routedTo(DID.night, '3472000004', ['211', '212'])).reached, '211');
    });

    test('switch without PIN and with three states cycles through them from any extension', async () => {
      const seen: (string | undefined)[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await runSipp({ scenario: 'uac-call.xml', remote: remote(), service: '*62', user: '202', password: PW('202'), holdMs: 4000, timeoutMs: 30_000 });
        assert.equal(r.ok, true, describeSippResult(r));
        assert.equal(r.byeFrom, 'remote', describeSippResult(r));
        seen.push(await pbx.daemon.control.dbGet('pbx-switch', 'lunch'));
        assert.equal(await extensionState('*62', 'pbx-class-national'), seen.at(-1) === 'open' ? 0 : 1);
      }
      assert.deepEqual(seen, ['lunch', 'closed', 'open'], 'the last state wraps to the first');
    });

    test('switch set through AstDB and its custom device state over AMI (the runtime convention the API uses)', async () => {
      await pbx.daemon.control.dbPut('pbx-switch', 'night', 'night');
      await pbx.daemon.control.setDeviceState('Custom:pbx-switch-night', 'INUSE');
      await waitFor(async () => (await extensionState('*61', 'pbx-class-national')) === 1, 5000, 'the BLF hint to show in use');
      assert.equal((await routedTo(DID.night, '3472000011', ['211', '212'])).reached, '212');
      await pbx.daemon.control.dbPut('pbx-switch', 'night', 'day');
      await pbx.daemon.control.setDeviceState('Custom:pbx-switch-night', 'NOT_INUSE');
      await waitFor(async () => (await extensionState('*61', 'pbx-class-national')) === 0, 5000, 'the BLF hint to go idle');
      assert.equal((await routedTo(DID.night, '3472000012', ['211', '212'])).reached, '211');
      // An unknown stored state falls back to the first one.
      await pbx.daemon.control.dbPut('pbx-switch', 'night', 'bogus');
      assert.equal((await routedTo(DID.night, '3472000013', ['211', '212'])).reached, '211');
      await pbx.daemon.control.dbPut('pbx-switch', 'night', 'day');
    });

    test('switch set through the REST API (admin session): the next call follows it, and a change by the code shows there', async () => {
      const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
      const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
      const api = await adminSession(base, pbx.dataDir, new Contract(doc));
      const set = await api.put('/switches/night/state', { state: 'night' });
      assert.equal(set.status, 200, set.text);
      await waitFor(async () => (await extensionState('*61', 'pbx-class-national')) === 1, 5000, 'the BLF hint to show in use');
      assert.equal((await routedTo(DID.night, '3472000021', ['211', '212'])).reached, '212');
      assert.equal((await api.put('/switches/night/state', { state: 'day' })).status, 200);
      await waitFor(async () => (await extensionState('*61', 'pbx-class-national')) === 0, 5000, 'the BLF hint to go idle');
      assert.equal((await routedTo(DID.night, '3472000022', ['211', '212'])).reached, '211');
      assert.equal((await api.put('/switches/night/state', { state: 'weekend' })).status, 400, 'not one of its states');

      const toggled = await dialCode('201', '*61', SWITCH_PIN, 3000);
      assert.equal(toggled.ok, true, describeSippResult(toggled));
      const read = await api.get('/switches/night/state');
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.state, 'night', 'the API reads what the feature code stored');
      assert.equal((await api.put('/switches/night/state', { state: 'day' })).status, 200);
    });

    // ---- caller screening ----------------------------------------------------------------------

    test('blocked callers: a listed number is refused on any DID, a pattern entry is routed, others pass', async () => {
      for (const did of [DID.plain, DID.other, DID.night]) {
        const r = await routedTo(did, '3470000001', ['211', '212']);
        assert.equal(r.reached, undefined, r.detail);
        assert.equal(r.call.answered, false);
        assert.equal(r.call.finalStatus, 403, `blocked caller on ${did}: ${r.detail}`);
      }
      const diverted = await routedTo(DID.plain, '00398991234', ['211', '213']);
      assert.equal(diverted.reached, '213', `a pattern entry with a destination: ${diverted.detail}`);
      assert.equal(diverted.call.ok, true, diverted.detail);
      assert.equal((await routedTo(DID.plain, '3470000002', ['211', '213'])).reached, '211', 'a caller not listed passes');
      assert.equal((await routedTo(DID.plain, '0039899', ['211', '213'])).reached, '211', 'the pattern needs a digit after the prefix');
    });

    test('anonymous callers: refused on a route that rejects them, taken on one that does not', async () => {
      const anonymous = { caller: 'anonymous', callerName: 'Anonymous', domain: 'anonymous.invalid' };
      const refused = await routedTo(DID.rejectAnon, 'anonymous', ['211'], anonymous);
      assert.equal(refused.reached, undefined, refused.detail);
      assert.equal(refused.call.finalStatus, 433, `anonymous From refused with 433 Anonymity Disallowed: ${refused.detail}`);
      const taken = await routedTo(DID.plain, 'anonymous', ['211'], anonymous);
      assert.equal(taken.reached, '211', taken.detail);
      assert.equal(taken.call.ok, true, taken.detail);

      // A number sent with "Privacy: id" is withheld too.
      const privacy = { scenario: 'carrier-uac-privacy.xml' };
      const hidden = await routedTo(DID.rejectAnon, '3473000001', ['211'], privacy);
      assert.equal(hidden.reached, undefined, hidden.detail);
      assert.equal(hidden.call.finalStatus, 433, `Privacy: id refused: ${hidden.detail}`);
      assert.equal((await routedTo(DID.plain, '3473000002', ['211'], privacy)).reached, '211');
      // A caller showing its number passes the rejecting route.
      assert.equal((await routedTo(DID.rejectAnon, '3473000003', ['211'])).reached, '211');
    });

    // ---- announcements -------------------------------------------------------------------------

    test('announcement then hang-up, and announcement then a destination', async () => {
      let mark = amiEvents.length;
      const closed = await routedTo(DID.annHangup, '3475000001', ['211'], { holdMs: 15_000 });
      assert.equal(closed.reached, undefined, closed.detail);
      assert.equal(closed.call.answered, true, closed.detail);
      assert.equal(closed.call.byeFrom, 'remote', `the PBX hangs up after the message: ${closed.detail}`);
      let apps = appsOf(mark, '3475000001');
      assert.ok(apps.includes('Playback(hello-world)'), apps.join('\n'));
      assert.equal(apps.filter((a) => a.startsWith('Dial(')).length, 0, apps.join('\n'));

      mark = amiEvents.length;
      const welcome = await routedTo(DID.annContinue, '3475000002', ['211', '213'], { holdMs: 6000 });
      assert.equal(welcome.reached, '213', welcome.detail);
      assert.equal(welcome.call.ok, true, welcome.detail);
      apps = appsOf(mark, '3475000002');
      const played = apps.indexOf('Playback(beep)');
      const dialled = apps.findIndex((a) => a.startsWith('Dial(PJSIP/213'));
      assert.ok(played >= 0 && dialled > played, `the message plays before the next destination rings:\n${apps.join('\n')}`);
    });
  });

  // ---- DISA ----------------------------------------------------------------------------------

  test('DISA: a wrong PIN ends the call with no outbound call; the right PIN and a number reach the trunk; the class limits what may be dialled', async () => {
    const out = await carrier('127.0.0.3', carrier2Port);
    const wrong = await inboundDtmf(DID.disa, '3474000001', '111111,111111,111111', 8000);
    assert.equal(wrong.answered, true, describeSippResult(wrong));
    assert.equal(wrong.byeFrom, 'remote', `the PBX hangs up after three wrong PINs: ${describeSippResult(wrong)}`);
    assert.equal((await out.events()).length, 0, 'nothing reached the outbound carrier');

    const mark = logSize();
    const denied = await inboundDtmf(DID.disa, '3474000002', `${DISA_PIN},,00441234567#`, 8000);
    assert.equal(denied.answered, true, describeSippResult(denied));
    assert.equal(denied.byeFrom, 'remote', `an international number from a national class is refused: ${describeSippResult(denied)}`);
    // DISA stops collecting at the first digit no allowed number starts with (00...: the class
    // has only 3XXXXXXXXX), and the class refuses that.
    assert.match(logSince(mark), /Executing \[0@pbx-class-national:\d+\] Verbose\([^)]*may not dial 0/);
    const idle = await out.stop();
    assert.equal(idle.inviteReceived, false, 'nothing reached the outbound carrier');

    const out2 = await carrier('127.0.0.3', carrier2Port, { holdMs: 1000 });
    const dialled = await inboundDtmf(DID.disa, '3474000003', `${DISA_PIN},,3331234567#`, 8000);
    assert.equal(dialled.ok, true, describeSippResult(dialled));
    const got = await out2.done;
    assert.equal(got.inviteReceived, true, describeSippResult(got));
    assert.equal(got.requestUriUser, '3331234567');
    assert.equal(got.fromUser, '0612345600', "the DISA's caller number is presented");
  });

  // ---- busy behaviour ------------------------------------------------------------------------

  describe('busy behaviour at busy level 1', { concurrency: true }, () => {
    test('whenBusy=busy: a second caller gets 486', async () => {
      const p = await phone('221');
      const first = call('201', '221', 6000);
      await p.waitForLog('ANSWERED', 20_000);
      const second = await runSipp({ scenario: 'uac-call-expect-fail.xml', remote: remote(), service: '221', user: '202', password: PW('202'), timeoutMs: 20_000 });
      assert.equal(second.finalStatus, 486, describeSippResult(second));
      assert.equal((await first).ok, true);
      const r = await p.done;
      assert.equal(r.messages.filter((m) => m.direction === 'received' && m.method === 'INVITE').length, 1, 'the busy phone was not rung again');
    });
    test('whenBusy=ring: a second caller hears ringing, then goes to the no-answer forward', async () => {
      const p = await phone('222');
      const first = call('201', '222', 15_000);
      await p.waitForLog('ANSWERED', 20_000);
      const cover = await phone('224');
      const second = await call('202', '222', 500);
      assert.equal(second.ok, true, describeSippResult(second));
      const statuses = second.messages.filter((m) => m.direction === 'received' && m.cseqMethod === 'INVITE').map((m) => m.status);
      assert.ok(statuses.indexOf(180) >= 0 && statuses.indexOf(180) < statuses.indexOf(200), `180 before 200: ${statuses.join(', ')}`);
      const covered = await cover.done;
      assert.equal(covered.requestUriUser, '224', 'the no-answer forward took the call');
      assert.equal(covered.fromUser, '202');
      assert.equal((await first).ok, true);
      const r = await p.done;
      assert.equal(r.messages.filter((m) => m.direction === 'received' && m.method === 'INVITE' && !/tag=/.test(m.headers['to']?.[0] ?? '')).length, 1, 'the busy phone was not rung again');
    });
    test('whenBusy=queue: a second caller is answered, waits in line and reaches the extension once it is free', async () => {
      const busyDevice = await phone('223');
      let firstOver = false;
      const first = call('201', '223', 8000).then((r) => {
        firstOver = true;
        return r;
      });
      await busyDevice.waitForLog('ANSWERED', 20_000);
      // The other device registers only now, so that the first call did not ring it.
      const freeDevice = await phone('223b');
      const mark = amiEvents.length;
      // The line answers the caller (music on hold): it stays on long enough for 223 to free up.
      const second = call('202', '223', 14_000);
      await waitFor(() => eventsAfter(mark).some((e) => e.event === 'QueueCallerJoin' && e.queue === 'pbx-ext-223'), 10_000, 'the caller to join the line of 223');
      assert.equal(firstOver, false, 'the first call lasts long enough for this check');
      assert.equal((await freeDevice.events()).includes('INVITE_RECEIVED'), false, 'nobody rings 223 while it is busy');
      assert.equal((await first).ok, true);
      const r = await second;
      assert.equal(r.ok, true, describeSippResult(r));
      const got = await freeDevice.done;
      assert.equal(got.requestUriUser, '223b');
      assert.equal(got.fromUser, '202', 'the waiting caller reached 223');
      await busyDevice.done;
    });
  });
});

// ---- validation ----------------------------------------------------------------------------

test('a time condition and a switch that send calls to each other are refused before they reach Asterisk', async () => {
  const loop = config('UTC', {
    inboundRoutes: [{ did: DID.tcInside, destination: { timeCondition: 'loop-a' } }],
    timeConditions: [{ name: 'loop-a', bands: [{ days: ['mon'], from: '08:00', to: '18:00' }], inside: { switch: 'loop-b' }, outside: { extension: '212' } }],
    switches: [{ name: 'loop-b', states: [{ name: 'one', destination: { timeCondition: 'loop-a' } }, { name: 'two', destination: { extension: '211' } }] }],
  });
  await assert.rejects(pbx.apply(loop), (err: Error & { fields?: { message: string }[] }) => {
    assert.match(JSON.stringify(err.fields ?? err.message), /leads back to itself/);
    return true;
  });
  // The running dialplan is the last good one: the DID still goes to tc-inside.
  assert.match(await pbx.daemon.control.command(`dialplan show ${DID.tcInside}@pbx-inbound`), /time\/tc-inside/);
});
