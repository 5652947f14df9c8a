// Voicemail without Asterisk: voicemail.conf rendering (a name with commas must not shift the
// fields of a mailbox line), the dialplan and MWI lines it brings, parsing of the mail
// app_voicemail spools, the outbox's send/retry/give-up logic, PIN hand-over lines, the PIN
// strength check of pbx-voicemail.sh against the model's rule, and the message store's
// renumbering and retention on a real directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig, isObviousPin } from '../../src/domain/rules.ts';
import { mailboxes, watchedMailboxes } from '../../src/domain/voicemail.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';
import { mailboxField, mailboxLine, renderVoicemailConf } from '../../src/render/voicemail-conf.ts';
import { renderPjsipConf } from '../../src/render/pjsip-conf.ts';
import { renderExtensionsConf } from '../../src/render/extensions-conf.ts';
import type { RenderContext } from '../../src/render/types.ts';
import { MailOutbox, parseAddressList, parseSpooledMail } from '../../src/mail/outbox.ts';
import { MailRelayError } from '../../src/mail/mailer.ts';
import { parsePinChange } from '../../src/mail/voicemail-pins.ts';
import { SpoolDir } from '../../src/lib/spool-dir.ts';
import { maskSecretLines } from '../../src/apply/applier.ts';
import { VoicemailStore, parseMessageInfo, removeAndRenumber, scheduleRetention, splitCallerId, withFolderLock } from '../../src/media/voicemail-store.ts';

const CTX: RenderContext = {
  instanceDir: '/srv/pbx',
  moduleDir: '/usr/lib/x86_64-linux-gnu/asterisk/modules',
  sipBindAddress: '0.0.0.0',
  amiPort: 5038,
  amiUser: 'pbx-supervisor',
  amiSecret: 'x'.repeat(20),
  ariPort: 8088,
  ariUser: 'pbx-supervisor',
  ariPassword: 'y'.repeat(20),
  deviceQualifySeconds: 60,
};
const SCRIPT = resolve(import.meta.dirname, '../../rootfs/usr/share/pbx/asterisk/pbx-voicemail.sh');

function model(extra: Partial<PbxConfigInput> = {}) {
  return parseConfig({
    extensions: [
      {
        number: '201',
        name: 'Rossi, Mario | Sales',
        email: 'mario@example.com',
        pin: '7394',
        voicemail: { enabled: true, copyTo: 'boss@example.com', deleteAfterEmail: true, maxMessages: 50, maxSeconds: 120 },
        devices: [{ username: 'mario-desk', password: 'Desk-pass-7x9' }],
      },
      { number: '202', name: 'Bob', pin: '2580', voicemail: { enabled: true }, devices: [{ username: 'bob-desk', password: 'Desk-pass-8y1' }] },
      { number: '203', name: 'Carla', devices: [{ username: 'carla-desk', password: 'Desk-pass-9z2' }] },
    ],
    voicemailBoxes: [{ number: '300', name: 'Support, 2nd level', pin: '4826', email: 'support@example.com', members: ['202', '203'] }],
    mail: { host: 'smtp.example.com', port: 587, from: 'pbx@example.com', fromName: 'ACME PBX' },
    ...extra,
  });
}

test('a name with commas and bars cannot shift the fields of a mailbox line', () => {
  assert.equal(mailboxField('Rossi, Mario | Sales'), 'Rossi Mario Sales');
  const conf = renderVoicemailConf(model(), CTX);
  const line = conf.split('\n').find((l) => l.startsWith('201 => '))!;
  const [pin, name, email, pager, options] = line.slice('201 => '.length).split(',');
  assert.deepEqual([pin, name, email, pager], ['7394', 'Rossi Mario Sales', 'mario@example.com', '']);
  assert.equal(line.split(',').length, 5, line);
  assert.deepEqual(options!.split('|'), ['attach=yes', 'delete=yes', 'maxmsg=50', 'maxsecs=120']);
  const shared = conf.split('\n').find((l) => l.startsWith('300 => '))!;
  assert.equal(shared, '300 => 4826,Support 2nd level,support@example.com,,attach=yes|delete=no|maxmsg=100|maxsecs=180');
  assert.ok(conf.includes('\n[pbx]\n'));
  // Bob has no address: no e-mail, and so nothing is deleted "once e-mailed".
  assert.ok(conf.includes('202 => 2580,Bob,,,attach=no|delete=no|maxmsg=100|maxsecs=180'));
  assert.equal(conf.split('\n').some((l) => l.startsWith('203 =>')), false, 'no box, no line');
});

test('without a mail relay no address is rendered and nothing is deleted after "e-mailing"', () => {
  const conf = renderVoicemailConf(model({ mail: { port: 25 } }), CTX);
  assert.ok(conf.includes('201 => 7394,Rossi Mario Sales,,,attach=no|delete=no|'), conf);
});

test('voicemail.conf hands mail, PIN changes and PIN checks to the script by absolute paths', () => {
  const conf = renderVoicemailConf(model(), CTX);
  assert.match(conf, /^mailcmd=\/bin\/sh \/srv\/pbx\/config\/pbx-voicemail\.sh mail \/srv\/pbx\/spool\/pbx-outbox$/m);
  assert.match(conf, /^externpass=\/bin\/sh \/srv\/pbx\/config\/pbx-voicemail\.sh pin \/srv\/pbx\/spool\/pbx-inbox$/m);
  assert.match(conf, /^externpasscheck=\/bin\/sh \/srv\/pbx\/config\/pbx-voicemail\.sh pincheck$/m);
  assert.match(conf, /^serveremail=pbx@example\.com$/m);
  assert.match(conf, /^fromstring=ACME PBX$/m);
  assert.match(conf, /^format=wav$/m);
  assert.equal(/^externpassnotify/m.test(conf), false, 'app_voicemail must never write the file');
});

test('the renderer refuses what would break a mailbox line even if a schema let it through', () => {
  const box = mailboxes(model())[0]!;
  assert.throws(() => mailboxLine({ ...box, email: 'a,b@example.com' }, true), /cannot be written/);
  assert.throws(() => mailboxLine({ ...box, pin: undefined }, true), /PIN/);
  assert.throws(() => mailboxLine({ ...box, pin: '12;4' }, true), /PIN/);
});

test('phones get MWI for their own box and the shared boxes they belong to', () => {
  const config = model();
  assert.deepEqual(watchedMailboxes(config, '202'), ['202', '300']);
  assert.deepEqual(watchedMailboxes(config, '203'), ['300']);
  const pjsip = renderPjsipConf(config, CTX).text;
  const section = (name: string) => pjsip.split(/\n(?=\[)/).find((s) => s.startsWith(`[${name}]`) && s.includes('type=endpoint'))!;
  assert.match(section('mario-desk'), /^mailboxes=201@pbx$/m);
  assert.match(section('bob-desk'), /^mailboxes=202@pbx,300@pbx$/m);
  assert.match(section('carla-desk'), /^mailboxes=300@pbx$/m);
});

test('dialplan: a shared box number takes messages, the mailbox codes open the menu, an extension falls back to its box', () => {
  const text = renderExtensionsConf(model(), CTX).text;
  assert.match(text, /^exten => 300,1,Gosub\(pbx-lib-voicemail,s,1\(300,u\)\)$/m);
  assert.match(text, /^exten => \*97,1,Gosub\(pbx-lib-vm-main,s,1\(own\)\)$/m);
  assert.match(text, /^exten => \*98,1,Gosub\(pbx-lib-vm-main,s,1\(any\)\)$/m);
  assert.match(text, /^#include pbx-lib-voicemail\.conf$/m);
  assert.match(text, /^exten => 201,1,Gosub\(pbx-lib-ext,s,1\(201,[^)]*vm\/201\/b,vm\/201\/u,20,vm\/201\/u,/m);
});

const SPOOLED = [
  'Date: Sun, 22 Nov 2026 08:44:26 +0000',
  'From: "Test PBX" <pbx@example.com>',
  'To: "Rossi, Mario" <mario@example.com>',
  'Subject: =?UTF-8?Q?Voicemail_from_=22Bob=22_=3C202=3E_=280=3A02=29_in_mai?=',
  ' =?UTF-8?Q?lbox_201?=',
  'Message-ID: <Asterisk-1-1582162338-201-18678@vm>',
  'X-Asterisk-CallerID: 202',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="----voicemail_1"',
  '',
  '',
  'This is a multi-part message in MIME format.',
  'To: not-a-header@example.com',
  '',
].join('\n');

test('the outbox reads recipients and the mailbox from the message app_voicemail spooled', () => {
  const m = parseSpooledMail(Buffer.from(SPOOLED));
  assert.deepEqual(m.to, ['mario@example.com']);
  assert.equal(m.mailbox, '201');
  assert.match(m.subject!, /=\?UTF-8\?Q\?Voicemail.*lbox_201\?=$/, 'folded header unfolded');
  const crlf = parseSpooledMail(SPOOLED.replaceAll('\n', '\r\n'));
  assert.deepEqual(crlf.to, ['mario@example.com']);
  assert.equal(crlf.mailbox, '201');
  assert.deepEqual(parseAddressList('"Rossi, Mario" <a@x.it>, b@y.it, Carla <c@z.it>, junk'), ['a@x.it', 'b@y.it', 'c@z.it']);
  assert.equal(parseSpooledMail('To: a@b.it\nMessage-ID: <random@host>\n\nbody').mailbox, undefined);
});

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const quiet = { info() {}, warn() {}, error() {} };

test('outbox: sends raw with the copy address, deletes only once the relay took it, retries, gives up on a 5xx', async () => {
  const dir = tempDir('pbx-outbox-');
  try {
    const sent: { to: string[]; raw: string }[] = [];
    let fail: Error | undefined = new MailRelayError('the relay refused the connection', false);
    const outbox = new MailOutbox({
      dir,
      settings: () => parseConfig({ mail: { host: '127.0.0.1', port: 25, security: 'none', from: 'pbx@example.com' } }).mail,
      copyTo: (box) => (box === '201' ? ['boss@example.com'] : []),
      logger: quiet,
      firstRetryMs: 1,
      maxRetryMs: 1,
      send: async (_s, envelope, raw) => {
        if (fail) throw fail;
        sent.push({ to: envelope.to, raw: raw.toString() });
        return { accepted: envelope.to, response: '250 ok' };
      },
    });
    writeFileSync(join(dir, '.spool-tmp'), 'half a message');
    writeFileSync(join(dir, '1795337066-aaaa.eml'), SPOOLED);
    await outbox.flush();
    assert.deepEqual(readdirSync(dir).sort(), ['.spool-tmp', '1795337066-aaaa.eml'], 'kept after a failure; dot files untouched');
    fail = undefined;
    await new Promise((r) => setTimeout(r, 5));
    await outbox.flush();
    assert.deepEqual(sent.map((s) => s.to), [['mario@example.com', 'boss@example.com']]);
    assert.equal(sent[0]!.raw, SPOOLED, 'sent as it is');
    assert.deepEqual(readdirSync(dir), ['.spool-tmp']);

    fail = new MailRelayError('the relay answered: 550 5.1.1 no such user', true);
    writeFileSync(join(dir, '1795337099-bbbb.eml'), SPOOLED);
    await outbox.flush();
    assert.deepEqual(readdirSync(join(dir, 'failed')), ['1795337099-bbbb.eml']);
    assert.deepEqual(outbox.pending(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spool directory: a file that keeps failing past its age goes to failed/; without a relay mail waits', async () => {
  const dir = tempDir('pbx-spool-');
  try {
    let now = Date.now();
    const errors: boolean[] = [];
    const spool = new SpoolDir({
      dir,
      match: /\.x$/,
      handle: async () => {
        throw new Error('not now');
      },
      firstRetryMs: 1000,
      maxAgeMs: 60_000,
      now: () => now,
      onError: (_e, _n, gaveUp) => errors.push(gaveUp),
    });
    writeFileSync(join(dir, 'a.x'), 'x');
    await spool.scan();
    await spool.scan(); // backoff: not handed over again yet
    assert.deepEqual(errors, [false]);
    now += 120_000;
    await spool.scan();
    assert.deepEqual(errors, [false, true]);
    assert.ok(existsSync(join(dir, 'failed', 'a.x')));

    const noRelay = new MailOutbox({ dir, settings: () => parseConfig({}).mail, copyTo: () => [], logger: quiet, send: async () => assert.fail('no relay: nothing is sent') });
    writeFileSync(join(dir, 'b.eml'), SPOOLED);
    await noRelay.flush();
    assert.deepEqual(noRelay.pending(), ['b.eml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PIN hand-over lines: only "<context> <box> <digits>"', () => {
  assert.deepEqual(parsePinChange('pbx 201 7394\n'), { context: 'pbx', mailbox: '201', pin: '7394' });
  for (const bad of ['pbx 201', 'pbx 201 73a4', 'pbx 201 7394 extra', 'pbx;x 201 7394', '']) assert.equal(parsePinChange(bad), undefined, bad);
});

test('pbx-voicemail.sh pincheck follows the model\'s PIN rule', () => {
  const modelWeak = (pin: string, box: string) => !/^[0-9]{4,12}$/.test(pin) || isObviousPin(pin) || box.endsWith(pin);
  const pins = ['1234', '4321', '0000', '8901', '2109', '2580', '1357', '7394', '201', '0201', '123', '12345678901234', '12a4', '9999999', '135792468', '20201', '46810'];
  for (let i = 0; i < 40; i++) pins.push(String(Math.floor(Math.random() * 10 ** (4 + (i % 6)))).padStart(4 + (i % 6), '0'));
  for (const pin of pins) {
    const out = execFileSync('/bin/sh', [SCRIPT, 'pincheck', '20201', 'pbx', '0000', pin], { encoding: 'utf8' }).trim();
    assert.equal(out, modelWeak(pin, '20201') ? 'INVALID' : 'VALID', `PIN ${pin}`);
  }
});

test('pbx-voicemail.sh spools mail and PIN changes whole, and refuses what is not digits', () => {
  const dir = tempDir('pbx-script-');
  try {
    execFileSync('/bin/sh', [SCRIPT, 'mail', join(dir, 'out')], { input: SPOOLED });
    const [mail] = readdirSync(join(dir, 'out'));
    assert.match(mail!, /^\d{10}-[A-Za-z0-9]{10}\.eml$/);
    assert.equal(readFileSync(join(dir, 'out', mail!), 'utf8'), SPOOLED);
    execFileSync('/bin/sh', [SCRIPT, 'pin', join(dir, 'in'), 'pbx', '201', '7394']);
    const [pin] = readdirSync(join(dir, 'in'));
    assert.deepEqual(parsePinChange(readFileSync(join(dir, 'in', pin!), 'utf8')), { context: 'pbx', mailbox: '201', pin: '7394' });
    assert.throws(() => execFileSync('/bin/sh', [SCRIPT, 'pin', join(dir, 'in'), 'pbx', '201', '73*4'], { stdio: 'ignore' }));
    assert.equal(readdirSync(join(dir, 'in')).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function message(dir: string, folder: string, index: number, info: { origtime: number; callerid?: string; duration?: number; msg_id?: string }): void {
  const d = join(dir, folder);
  mkdirSync(d, { recursive: true });
  const num = String(index).padStart(4, '0');
  writeFileSync(join(d, `msg${num}.wav`), Buffer.alloc(64, index));
  writeFileSync(
    join(d, `msg${num}.txt`),
    [';', '; Message Information file', ';', '[message]', 'origmailbox=201', `callerid=${info.callerid ?? '"Bob" <202>'}`, `origtime=${info.origtime}`, `msg_id=${info.msg_id ?? `${info.origtime}-0000000${index}`}`, `duration=${info.duration ?? 3}`, ''].join('\n'),
  );
}

test('message store: lists, deletes with renumbering, expires by retention', async () => {
  const root = tempDir('pbx-vm-');
  try {
    const changed: string[] = [];
    const store = new VoicemailStore({ dir: root, isMailbox: (n) => n === '201', onChanged: (b) => changed.push(b) });
    const box = join(root, '201');
    const day = 86_400;
    const now = 2_000_000_000;
    message(box, 'INBOX', 0, { origtime: now - 10 * day, msg_id: 'old-inbox' });
    message(box, 'INBOX', 1, { origtime: now - 1 * day, msg_id: 'new-1', callerid: 'Unknown' });
    message(box, 'INBOX', 2, { origtime: now - 2 * day, msg_id: 'new-2', callerid: '"Rossi, Mario" <0612345678>' });
    message(box, 'Old', 0, { origtime: now - 30 * day, msg_id: 'older' });
    const list = store.messages('201');
    assert.deepEqual(list.map((m) => `${m.folder}/${m.index}/${m.id}`), ['INBOX/0/old-inbox', 'INBOX/1/new-1', 'INBOX/2/new-2', 'Old/0/older']);
    assert.equal(list[2]!.callerName, 'Rossi, Mario');
    assert.equal(list[2]!.callerNumber, '0612345678');
    assert.equal(list[1]!.callerNumber, undefined);
    assert.equal(list[0]!.bytes, 64);
    assert.throws(() => store.messages('202'), /no mailbox/);

    await store.deleteMessage('201', 'new-1');
    assert.deepEqual(store.messages('201').map((m) => `${m.folder}/${m.index}/${m.id}`), ['INBOX/0/old-inbox', 'INBOX/1/new-2', 'Old/0/older']);
    assert.deepEqual(readdirSync(join(box, 'INBOX')).sort(), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav']);
    assert.deepEqual(readFileSync(join(box, 'INBOX', 'msg0001.wav')), Buffer.alloc(64, 2), 'the files moved with their message');
    assert.deepEqual(changed, ['201']);

    const expired = await store.expire([{ number: '201', retentionDays: 7 }, { number: '202', retentionDays: 7 }], now * 1000);
    assert.deepEqual(expired, [{ mailbox: '201', deleted: 2 }]);
    assert.deepEqual(store.messages('201').map((m) => `${m.folder}/${m.index}/${m.id}`), ['INBOX/0/new-2']);
    assert.deepEqual(await store.expire([{ number: '201', retentionDays: 0 }], now * 1000 * 2), [], '0 keeps everything');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('renumbering closes several gaps; the folder lock is app_voicemail\'s .lock link', async () => {
  const dir = tempDir('pbx-renum-');
  try {
    for (let i = 0; i < 6; i++) for (const ext of ['wav', 'txt']) writeFileSync(join(dir, `msg000${i}.${ext}`), `${i}`);
    removeAndRenumber(dir, new Set([0, 2, 3]));
    assert.deepEqual(readdirSync(dir).sort(), ['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav', 'msg0002.txt', 'msg0002.wav']);
    assert.deepEqual(['msg0000.wav', 'msg0001.wav', 'msg0002.wav'].map((f) => readFileSync(join(dir, f), 'utf8')), ['1', '4', '5']);

    let inside = false;
    await withFolderLock(dir, () => {
      inside = existsSync(join(dir, '.lock'));
    });
    assert.equal(inside, true);
    assert.equal(existsSync(join(dir, '.lock')), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('message info files and caller ids are read as app_voicemail writes them', () => {
  const info = parseMessageInfo(';\n; Message Information file\n;\n[message]\norigmailbox=201\ncallerid="Bob" <202>\norigtime=1795337064\nduration=2\n');
  assert.equal(info.origtime, '1795337064');
  assert.equal(info.callerid, '"Bob" <202>');
  assert.deepEqual(splitCallerId('Bob <202>'), { name: 'Bob', number: '202' });
  assert.deepEqual(splitCallerId('<202>'), { number: '202' });
  assert.deepEqual(splitCallerId('0612345678'), { number: '0612345678' });
});

test('greetings: an upload becomes unavail.wav at 8 kHz mono; what is not audio is refused', async () => {
  const root = tempDir('pbx-greet-');
  try {
    const store = new VoicemailStore({ dir: join(root, 'voicemail', 'pbx'), isMailbox: (n) => n === '201' });
    execFileSync('sox', ['-n', '-r', '44100', '-c', '2', join(root, 'tone.wav'), 'synth', '1.5', 'sine', '440']);
    const info = await store.storeGreeting('201', 'unavailable', readFileSync(join(root, 'tone.wav')));
    assert.equal(info.kind, 'unavailable');
    assert.ok(Math.abs(info.durationSeconds - 1.5) < 0.05, String(info.durationSeconds));
    const file = join(root, 'voicemail', 'pbx', '201', 'unavail.wav');
    assert.equal(execFileSync('soxi', ['-r', file], { encoding: 'utf8' }).trim(), '8000');
    assert.equal(execFileSync('soxi', ['-c', file], { encoding: 'utf8' }).trim(), '1');
    assert.deepEqual(store.greetings('201').map((g) => g.kind), ['unavailable']);
    await assert.rejects(store.storeGreeting('201', 'busy', Buffer.from('this is not audio at all')), /not an audio file/);
    await assert.rejects(store.storeGreeting('202', 'busy', readFileSync(join(root, 'tone.wav'))), /no mailbox/);
    store.removeGreeting('201', 'unavailable');
    assert.deepEqual(store.greetings('201'), []);
    assert.throws(() => store.removeGreeting('201', 'unavailable'), /no unavailable greeting/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the retention job runs at once over the boxes of the model now, and reports what it deleted', async () => {
  const calls: string[][] = [];
  const reported: unknown[] = [];
  const stop = scheduleRetention(
    {
      expire: async (boxes) => {
        calls.push(boxes.map((b) => `${b.number}:${b.retentionDays}`));
        return [{ mailbox: '201', deleted: 2 }];
      },
    },
    () => mailboxes(model()).map((b) => (b.number === '201' ? { ...b, retentionDays: 30 } : b)),
    { intervalMs: 3600_000, onExpired: (c) => reported.push(c) },
  );
  try {
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, [['201:30', '202:0', '300:0']]);
    assert.deepEqual(reported, [[{ mailbox: '201', deleted: 2 }]]);
  } finally {
    stop();
  }
});

test('the configuration preview masks mailbox PINs', () => {
  const masked = maskSecretLines(renderVoicemailConf(model(), CTX))!;
  assert.match(masked, /^201 => \*{8},Rossi Mario Sales,mario@example\.com,/m);
  assert.match(masked, /^300 => \*{8},/m);
  assert.equal(/7394|4826|2580/.test(masked), false);
});
