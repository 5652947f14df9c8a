// Voicemail against a real Asterisk 22 and a real SMTP server on loopback (smtp-server; the
// mail parsed with mailparser): SIPp callers leave messages with audio (a µ-law tone from a
// pcap), app_voicemail spools the MIME mail, the supervisor relays it with the box's copy
// address; the phone menu plays a message and changes the PIN (stored in the model); a
// registered SIPp phone receives message-summary NOTIFYs; greetings upload through the API;
// the test-mail action and its errors; retention expiring a message and clearing the light.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { adminSession, Contract, type ApiClient } from '../lib/api.ts';
import { startPbx, waitFor, udpListening, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, type SippOptions, type SippProcess, type SippResult } from '../lib/sipp.ts';
import { writeTonePcap } from '../lib/rtp-audio.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';
import { mailboxes } from '../../src/domain/voicemail.ts';

const run = promisify(execFile);
const PW = (u: string) => `Vm7-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-Qx4w`;
const dev = (u: string) => ({ username: u, password: PW(u) });

interface Received {
  from: string;
  to: string[];
  parsed: ParsedMail;
}

let pbx: PbxInstance;
let api: ApiClient;
let smtp: SMTPServer;
let smtpPort: number;
let work: string;
let carrierPort: number;
const mails: Received[] = [];

function config(): PbxConfigInput {
  return {
    system: { name: 'Voicemail test', language: 'en' },
    extensions: [
      { number: '201', name: 'Mario', pin: '5173', voicemail: { enabled: true }, devices: [dev('201')] },
      { number: '202', name: 'Bob', devices: [dev('202')] },
      {
        number: '204',
        name: 'Rossi, Dora',
        email: 'dora@example.com',
        pin: '7394',
        voicemail: { enabled: true, copyTo: 'boss@example.com' },
        // Never registered: calls find it unreachable and go to its mailbox.
        devices: [dev('204')],
      },
    ],
    voicemailBoxes: [{ number: '300', name: 'Support, 2nd level', pin: '4826', email: 'support@example.com', members: ['201'] }],
    trunks: [{ name: 'carrier', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
    inboundRoutes: [{ did: '0612345678', destination: { voicemail: '300', greeting: 'none' } }],
    mail: { host: '127.0.0.1', port: smtpPort, security: 'none', from: 'pbx@example.com', fromName: 'Voicemail PBX' },
  };
}

const remote = () => `127.0.0.1:${pbx.sipPort}`;
const log = () => readFileSync(join(pbx.dataDir, 'asterisk', 'log', 'messages.log'), 'utf8');

/** A call that plays `pcap` (audio) once answered; no RTP echo, so Asterisk records only the tone. */
function audioCall(opts: Partial<SippOptions> & { pcap: string; seconds: number; delayMs?: number }): Promise<SippResult> {
  const { pcap, seconds, delayMs, ...rest } = opts;
  return runSipp({
    scenario: 'uac-dtmf.xml',
    remote: remote(),
    // uac-dtmf.xml plays whatever pcap [dtmf_pcap] names: here audio, for `seconds`.
    dtmf: '#',
    keys: { dtmf_pcap: pcap },
    vars: { dtmf_delay_ms: delayMs ?? 500, dtmf_ms: Math.round(seconds * 1000) },
    holdMs: 300,
    rtpEcho: false,
    timeoutMs: 60_000,
    ...rest,
  });
}

async function mailTo(address: string, timeoutMs = 30_000): Promise<Received> {
  let found: Received | undefined;
  await waitFor(() => !!(found = mails.find((m) => m.to.includes(address))), timeoutMs, `a mail to ${address}`);
  return found!;
}

async function soxSeconds(data: Buffer): Promise<number> {
  const file = join(work, `attachment-${Date.now()}.wav`);
  writeFileSync(file, data);
  return Number((await run('soxi', ['-D', file])).stdout.trim());
}

/** A phone of extension 201 that logs MWI_YES / MWI_NO for every message-summary NOTIFY. */
async function mwiPhone(): Promise<SippProcess> {
  const p = await startSipp({ scenario: 'phone-main.xml', oocScenario: 'phone-mwi.xml', remote: remote(), service: '201', user: '201', password: PW('201'), timeoutMs: 300_000 });
  await p.waitForRegistration(10_000);
  return p;
}

async function mwiAfter(phone: SippProcess, from: number, want: 'MWI_YES' | 'MWI_NO', timeoutMs = 30_000): Promise<number> {
  let at = -1;
  await waitFor(async () => {
    const events = await phone.events();
    at = events.findIndex((e, i) => i >= from && e === want);
    return at >= 0;
  }, timeoutMs, `${want} at the phone`);
  return at;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-vm-test-'));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), parsed });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', () => res()));
  smtpPort = (smtp.server.address() as { port: number }).port;
  carrierPort = 26000 + Math.floor(Math.random() * 1000) * 2;
  pbx = await startPbx(config());
  const base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as ConstructorParameters<typeof Contract>[0];
  api = await adminSession(base, pbx.dataDir, new Contract(doc));
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  await new Promise<void>((res) => (smtp ? smtp.close(() => res()) : res()));
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a greeting upload that is not audio is refused with 400; a WAV becomes the unavailable greeting', async () => {
  const junk = await api.request('PUT', '/voicemail-boxes/204/greetings/unavailable', Buffer.from('%PDF-1.4 not a recording'), { 'content-type': 'application/octet-stream' });
  assert.equal(junk.status, 400, junk.text);
  assert.equal(junk.body.error.fields[0].path, 'audio');
  assert.match(junk.body.error.message, /not an audio file/);

  await run('sox', ['-n', '-r', '44100', '-c', '2', join(work, 'greeting.wav'), 'synth', '1', 'sine', '660']);
  const wav = readFileSync(join(work, 'greeting.wav'));
  const ok = await api.request('PUT', '/voicemail-boxes/204/greetings/unavailable', wav, { 'content-type': 'audio/wav' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.mailbox, '204');
  assert.ok(Math.abs(ok.body.durationSeconds - 1) < 0.05, ok.text);
  const list = await api.get('/voicemail-boxes/204/greetings');
  assert.deepEqual(list.body.items.map((g: { kind: string }) => g.kind), ['unavailable']);
  const stored = join(pbx.dataDir, 'asterisk', 'spool', 'voicemail', 'pbx', '204', 'unavail.wav');
  assert.equal((await run('soxi', ['-r', stored])).stdout.trim(), '8000');

  const noBox = await api.request('PUT', '/voicemail-boxes/202/greetings/busy', wav, { 'content-type': 'audio/wav' });
  assert.equal(noBox.status, 404, 'an extension without a mailbox has no greetings');
});

test('a caller leaves a message: the e-mail reaches the box address and the copy address with a playable WAV', async () => {
  const pcap = await writeTonePcap(work, 12);
  const r = await audioCall({ service: '204', user: '202', password: PW('202'), pcap, seconds: 12 });
  assert.equal(r.ok, true, `the call: ${r.events.join(', ')}\n${r.errors}`);
  assert.match(log(), /Playing '\/srv\/pbx\/spool\/voicemail\/pbx\/204\/unavail\.\w+'/, 'the uploaded greeting was played');

  const mail = await mailTo('dora@example.com');
  assert.deepEqual([...mail.to].sort(), ['boss@example.com', 'dora@example.com'], 'the copy address is an envelope recipient');
  assert.equal(mail.from, 'pbx@example.com');
  assert.equal(mail.parsed.from?.value[0]?.address, 'pbx@example.com');
  assert.equal(mail.parsed.from?.value[0]?.name, 'Voicemail PBX');
  assert.equal((mail.parsed.to as { value: { name: string }[] }).value[0]!.name, 'Rossi Dora');
  assert.match(mail.parsed.subject ?? '', /Voicemail from .*202.* in mailbox 204/);
  assert.match(mail.parsed.text ?? '', /new message of \d+:\d\d in mailbox 204/);
  const wav = mail.parsed.attachments.find((a) => /\.wav$/.test(a.filename ?? ''));
  assert.ok(wav, `a WAV attachment (${mail.parsed.attachments.map((a) => `${a.filename} ${a.contentType}`).join(', ')})`);
  assert.equal(wav.contentType, 'audio/x-wav');
  const seconds = await soxSeconds(wav.content);
  // 12 s of tone; the greeting, the instructions and the beep take some of it.
  assert.ok(seconds >= 2 && seconds <= 12.5, `attachment of ${seconds} s`);

  const list = await api.get('/voicemail-boxes/204/messages');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.items.length, 1);
  const [m] = list.body.items;
  assert.equal(m.folder, 'INBOX');
  assert.equal(m.callerNumber, '202');
  assert.ok(Math.abs(m.durationSeconds - seconds) <= 1.5, `listed ${m.durationSeconds} s, attachment ${seconds} s`);
  const audio = await api.download(`/voicemail-boxes/204/messages/${m.id}/audio`);
  assert.equal(audio.status, 200);
  assert.equal(audio.data.subarray(0, 4).toString('latin1'), 'RIFF');
  assert.deepEqual(pbx.daemon.mailOutbox.pending(), [], 'the outbox is empty once the relay took it');
});

test('the phone menu: the PIN opens the box and key 1 plays the message', async () => {
  const before = log().length;
  // *97 from extension 204's own device: the PIN, then 1 (new messages) while the menu plays.
  // The date and the caller are said before the recording: the call stays up until it plays.
  const caller = await startSipp({
    scenario: 'uac-dtmf.xml',
    remote: remote(),
    service: '*97',
    user: '204',
    password: PW('204'),
    dtmf: '7394#,,,,1',
    dtmfDelayMs: 2500,
    holdMs: 60_000,
    timeoutMs: 90_000,
  });
  const played = /Playing '\/srv\/pbx\/spool\/voicemail\/pbx\/204\/INBOX\/msg0000\.\w+'/;
  try {
    await waitFor(() => played.test(log().slice(before)), 60_000, 'the message played to the phone');
  } finally {
    const r = await caller.stop();
    assert.equal(r.answered, true, r.events.join(', '));
  }
  assert.match(log().slice(before), /VoiceMailMain\("PJSIP\/204-[0-9a-f]+", "204@pbx"\)/);
});

test('a PIN changed from the phone menu is stored in the model, audited as the phone, and rendered back', async () => {
  const revision = pbx.daemon.service.revision();
  // Login, 0 (mailbox options), 5 (change password), new PIN twice.
  const r = await runSipp({
    scenario: 'uac-dtmf.xml',
    remote: remote(),
    service: '*97',
    user: '204',
    password: PW('204'),
    dtmf: '7394#,,,0,,5,,2468#,,,2468#',
    dtmfDelayMs: 2500,
    holdMs: 4000,
    timeoutMs: 60_000,
  });
  assert.equal(r.ok, true, `the call: ${r.events.join(', ')}\n${r.errors}`);
  await waitFor(() => pbx.daemon.service.get().extensions.find((e) => e.number === '204')?.pin === '2468', 20_000, 'the new PIN in the model');
  assert.ok(pbx.daemon.service.revision() > revision);
  const audit = pbx.daemon.service.auditLog({ limit: 5 }).find((e) => e.objectKey === '204');
  assert.equal(audit?.actor, 'extension 204');
  assert.match(audit?.source ?? '', /phone/);
  await waitFor(() => /^204 => 2468,/m.test(readFileSync(join(pbx.dataDir, 'asterisk', 'config', 'voicemail.conf'), 'utf8')), 20_000, 'voicemail.conf with the new PIN');
});

test('voicemail as the destination of an inbound route; the members\' phones get message-waiting NOTIFYs', async () => {
  const phone = await mwiPhone();
  const seen = (await phone.events()).length;
  const carrierIp = '127.0.0.2';
  assert.equal(await udpListening(carrierIp, carrierPort), false);
  const pcap = await writeTonePcap(work, 5);
  const r = await audioCall({ service: '0612345678', localIp: carrierIp, caller: '0698765432', pcap, seconds: 5 });
  assert.equal(r.ok, true, `the carrier's call: ${r.events.join(', ')}\n${r.errors}`);
  const mail = await mailTo('support@example.com');
  assert.match(mail.parsed.subject ?? '', /0698765432/);
  const wav = mail.parsed.attachments.find((a) => /\.wav$/.test(a.filename ?? ''));
  assert.ok(wav);
  const seconds = await soxSeconds(wav.content);
  assert.ok(seconds >= 2 && seconds <= 5.5, `attachment of ${seconds} s (no greeting: the beep, then the tone)`);

  const yes = await mwiAfter(phone, seen, 'MWI_YES');
  assert.ok(yes >= seen);

  // Retention: the message made 10 days old, the box keeps 7 days; the job deletes it and the light goes out.
  const msgs = await api.get('/voicemail-boxes/300/messages');
  assert.equal(msgs.body.items.length, 1, msgs.text);
  const txt = join(pbx.dataDir, 'asterisk', 'spool', 'voicemail', 'pbx', '300', 'INBOX', 'msg0000.txt');
  writeFileSync(txt, readFileSync(txt, 'utf8').replace(/^origtime=\d+$/m, `origtime=${Math.floor(Date.now() / 1000) - 10 * 86_400}`));
  const boxes = mailboxes(pbx.daemon.service.get()).map((b) => (b.number === '300' ? { number: b.number, retentionDays: 7 } : b));
  assert.deepEqual(await pbx.daemon.voicemail.expire(boxes), [{ mailbox: '300', deleted: 1 }]);
  await mwiAfter(phone, yes + 1, 'MWI_NO');
  assert.deepEqual((await api.get('/voicemail-boxes/300/messages')).body.items, []);
  const result = await phone.stop();
  const notify = result.messages.find((m) => m.method === 'NOTIFY' && /Messages-Waiting: yes/.test(m.body));
  assert.ok(notify, 'a NOTIFY with Messages-Waiting: yes');
  assert.equal(notify.headers['event']?.[0], 'message-summary');
  assert.match(notify.body, /^Voice-Message: 1\/0/m, notify.body);
});

test('deleting a message through the API renumbers its folder; app_voicemail counts the box right', async () => {
  // Long enough to outlast the greeting and the instructions (about 8 s).
  const pcap = await writeTonePcap(work, 12);
  const r = await audioCall({ service: '204', user: '202', password: PW('202'), pcap, seconds: 12 });
  assert.equal(r.ok, true, r.events.join(', '));
  await waitFor(async () => (await api.get('/voicemail-boxes/204/messages')).body.items.length === 2, 20_000, 'the second message');
  const items = (await api.get('/voicemail-boxes/204/messages')).body.items as { id: string; folder: string; index: number; receivedAt: string }[];
  // The first message (heard in the menu: in Old, or still in INBOX when the menu call was cut).
  const first = [...items].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))[0]!;
  const del = await api.delete(`/voicemail-boxes/204/messages/${first.id}`);
  assert.equal(del.status, 204, del.text);
  const left = (await api.get('/voicemail-boxes/204/messages')).body.items as { id: string; folder: string; index: number }[];
  assert.deepEqual(left.map((m) => m.id), items.filter((m) => m.id !== first.id).map((m) => m.id));
  assert.deepEqual(left.map((m) => m.index), [0], 'numbered from 0000 again');
  assert.equal((await api.delete(`/voicemail-boxes/204/messages/${first.id}`)).status, 404);
  // Asterisk's own count (MWIGet, fed by app_voicemail after the refresh): 1 new, 0 old.
  const counts = await pbx.daemon.control.command('voicemail show users for pbx');
  assert.match(counts, /204\s+Rossi Dora\s+1\b/, counts);
});

test('the test-mail action: sent through the relay; a wrong host or a closed port is a clear 502; no relay is a 400', async () => {
  const ok = await api.post('/mail/test', { to: 'admin@example.com' });
  assert.equal(ok.status, 200, ok.text);
  const mail = await mailTo('admin@example.com');
  assert.match(mail.parsed.subject ?? '', /Test message from Voicemail test/);
  assert.equal(mail.parsed.from?.value[0]?.address, 'pbx@example.com');

  assert.equal((await api.post('/mail/test', { to: 'not an address' })).status, 400);

  assert.equal((await api.patch('/mail', { host: 'no-such-relay.invalid' })).status, 200);
  const badHost = await api.post('/mail/test', { to: 'admin@example.com' });
  assert.equal(badHost.status, 502, badHost.text);
  assert.match(badHost.body.error.message, /no-such-relay\.invalid.*does not resolve/);

  const closed = await new Promise<number>((res) => {
    const s = new SMTPServer({ logger: false });
    s.listen(0, '127.0.0.1', () => {
      const port = (s.server.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
  assert.equal((await api.patch('/mail', { host: '127.0.0.1', port: closed })).status, 200);
  const refused = await api.post('/mail/test', { to: 'admin@example.com' });
  assert.equal(refused.status, 502, refused.text);
  assert.match(refused.body.error.message, /refused the connection/);

  const noRelay = await api.put('/mail', { from: 'pbx@example.com' });
  assert.equal(noRelay.status, 200, noRelay.text);
  const none = await api.post('/mail/test', { to: 'admin@example.com' });
  assert.equal(none.status, 400, none.text);
  assert.match(none.body.error.message, /no mail relay/);
  const settings = await api.get('/mail');
  assert.equal(settings.body.password, undefined);
});
