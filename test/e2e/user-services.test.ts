// The user-services GUI in Chromium against a real stack: a conference room and an extension
// with its mailbox made with the forms hold what was typed; a greeting and a music file uploaded
// from their pages are converted by the box; the SMTP relay saved from its page keeps its
// password (masked after a reload, and still the one a real SMTP server on loopback is given when
// the test mail goes out); the feature codes page shows every code and saves a change; the call
// recordings page is the privacy officer's alone. Only the GUI writes; the API checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Locator, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { adminSession, ADMIN_PASSWORD, type ApiClient } from '../lib/api.ts';
import { launch, newPage, login, changePassword, screenshot, pageErrors, field, signedInPage } from './lib/browser.ts';

const run = promisify(execFile);
const MASK = '****************';
const RELAY_PASSWORD = 'Relay-Secret-42 x';

let pbx: PbxInstance;
let browser: Browser;
let admin: ApiClient;
let base: string;
let work: string;
let tone: string;
let smtp: SMTPServer;
let smtpPort: number;
const logins: { username: string; password: string }[] = [];
const mails: { to: string[] }[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-e2e-services-'));
  tone = join(work, 'hold-music.wav');
  await run('sox', ['-n', '-r', '44100', '-c', '2', tone, 'synth', '2', 'sine', '440']);
  // A relay that wants a user name and password (over plain SMTP on loopback, as security "none" sends them).
  smtp = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (auth.username === 'pbx-relay' && auth.password === RELAY_PASSWORD) cb(null, { user: auth.username });
      else cb(new Error('535 authentication failed'));
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address) });
        cb();
      });
    },
  });
  await new Promise<void>((res) => smtp.listen(0, '127.0.0.1', () => res()));
  smtpPort = (smtp.server.address() as { port: number }).port;

  pbx = await startPbx({
    system: { name: 'GUI user services test', language: 'en', timezone: 'UTC' },
    extensions: [
      { number: '201', name: 'Anna', devices: [{ username: '201', password: 'Sip-kmn-Alpha-Q9x' }] },
      { number: '202', name: 'Bruno', devices: [{ username: '202', password: 'Sip-kmp-Bravo-Q9x' }] },
    ],
  });
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  admin = await adminSession(base, pbx.dataDir);
  assert.equal((await admin.post('/setup/complete')).status, 200);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await pbx?.stop();
  await new Promise<void>((res) => (smtp ? smtp.close(() => res()) : res()));
  if (work) rmSync(work, { recursive: true, force: true });
});

const adminPage = () => signedInPage(browser, base, 'admin', ADMIN_PASSWORD);

test('a conference room made with its form holds what was typed, and its page shows who is in it', async () => {
  const { page, close } = await adminPage();
  const nav = page.getByRole('navigation', { name: 'Main menu' });
  await nav.getByRole('heading', { name: 'User services' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Call recordings' }).count(), 0, 'the admin has no recordings page');
  await nav.getByRole('link', { name: 'Conference rooms' }).click();
  await page.getByRole('link', { name: 'New conference room' }).click();
  await field(page, 'Name').fill('standup');
  await field(page, 'Number').fill('800');
  await field(page, 'Description').fill('Daily stand-up');
  await field(page, 'PIN').fill('4826');
  // The moderator PIN from the box's generator: digits only, strong enough.
  await page.locator('#f-adminPin').locator('xpath=..').getByRole('button', { name: 'Generate' }).click();
  await waitFor(async () => /^[0-9]{6,}$/.test(await page.locator('#f-adminPin').inputValue()), 10_000, 'a generated moderator PIN');
  const adminPin = await page.locator('#f-adminPin').inputValue();
  await field(page, 'Owner (extension)').fill('201');
  await field(page, 'Maximum participants').fill('8');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('table').getByRole('link', { name: 'standup' }).waitFor();

  const room = await admin.get('/conferences/standup');
  assert.equal(room.status, 200, room.text);
  assert.deepEqual(room.body, {
    name: 'standup',
    number: '800',
    description: 'Daily stand-up',
    pin: '4826',
    adminPin,
    owner: '201',
    maxMembers: 8,
    musicWhenAlone: true,
    announceJoinLeave: false,
  });

  await page.getByRole('table').getByRole('link', { name: 'standup' }).click();
  const live = page.getByTestId('conference-live');
  await live.waitFor();
  await live.getByText('Nobody is in the room.').waitFor();
  await screenshot(page, 'conference-room', { doc: true });
  await close();
});

test('an extension with its mailbox made with the form; a greeting uploaded from its page is converted', async () => {
  const { page, close } = await adminPage();
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Extensions' }).click();
  await page.getByRole('link', { name: 'New extension' }).click();
  // By id: the mobile (forking) has a Number and the mailbox an E-mail too.
  await page.locator('#f-number').fill('210');
  await page.locator('#f-name').fill('Carla');
  await page.locator('#f-email').fill('carla@example.com');
  await page.locator('#f-pin').fill('739154');
  const vm = page.getByRole('group', { name: 'Voicemail', exact: true });
  await vm.getByLabel('Enabled').check();
  await field(vm, 'Maximum messages').fill('50');
  await field(vm, 'Copy to (e-mail)').fill('office@example.com');
  const rec = page.getByRole('group', { name: 'Call recording', exact: true });
  await field(rec, 'Record').selectOption({ label: 'On demand (in-call code)' });
  await field(rec, 'Calls covered').selectOption({ label: 'External calls only' });
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('table').getByRole('link', { name: '210' }).waitFor();

  const ext = await admin.get('/extensions/210');
  assert.equal(ext.status, 200, ext.text);
  assert.equal(ext.body.pin, '739154');
  assert.equal(ext.body.email, 'carla@example.com');
  assert.deepEqual(ext.body.voicemail, { enabled: true, maxMessages: 50, maxSeconds: 180, retentionDays: 0, copyTo: 'office@example.com', deleteAfterEmail: false });
  assert.deepEqual(ext.body.recording, { mode: 'onDemand', calls: 'external', announce: false });
  assert.equal(ext.body.mobile, undefined, 'no mobile when none was typed');

  await page.getByRole('table').getByRole('link', { name: '210' }).click();
  const state = page.getByTestId('extension-state');
  await state.waitFor();
  await state.getByTestId('state-dnd').getByText('off').waitFor();
  const mailbox = page.getByTestId('mailbox-panel');
  await mailbox.getByTestId('greeting-unavailable-status').getByText('not recorded').waitFor();
  await mailbox.getByTestId('greeting-upload-unavailable').setInputFiles(tone);
  await mailbox.getByTestId('greeting-unavailable-status').getByText(/^recorded, 2s$/).waitFor({ timeout: 30_000 });
  const greetings = await admin.get('/voicemail-boxes/210/greetings');
  assert.equal(greetings.status, 200, greetings.text);
  assert.deepEqual(greetings.body.items.map((g: { kind: string }) => g.kind), ['unavailable']);
  await mailbox.getByText('No messages.').waitFor();

  // Do not disturb from the panel: the model and the state follow.
  await state.getByTestId('toggle-dnd').click();
  await state.getByTestId('state-dnd').getByText('on').waitFor();
  await waitFor(async () => (await admin.get('/extensions/210')).body.dnd === true, 15_000, 'the model to hold DND');
  await page.locator('#page-title').scrollIntoViewIfNeeded();
  await screenshot(page, 'extension-services', { doc: true });
  await close();
});

test('a music file uploaded to a class is converted and listed', async () => {
  assert.equal((await admin.post('/moh-classes', { name: 'jazz', description: 'Jazz for the queue' })).status, 201);
  const { page, close } = await adminPage();
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Music on hold' }).click();
  await page.getByRole('table').getByRole('link', { name: 'jazz' }).click();
  const panel = page.getByTestId('moh-files');
  await panel.getByText(/No files yet/).waitFor();
  await panel.getByTestId('moh-upload').setInputFiles(tone);
  await panel.getByTestId('moh-file-hold-music').waitFor({ timeout: 30_000 });
  const files = await admin.get('/moh-classes/jazz/files');
  assert.equal(files.status, 200, files.text);
  assert.deepEqual(files.body.files.map((f: { name: string }) => f.name), ['hold-music']);
  assert.ok(Math.abs(files.body.files[0].durationSeconds - 2) < 0.2, `about 2 s (${files.body.files[0].durationSeconds})`);
  await close();
});

test('the SMTP relay saved from its page keeps its password masked, and the test mail logs in with it', async () => {
  const { page, close } = await adminPage();
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'E-mail (SMTP)' }).click();
  await page.getByTestId('mail-settings').waitFor();
  await field(page, 'Host').fill('127.0.0.1');
  await field(page, 'Port').fill(String(smtpPort));
  await field(page, 'Security').selectOption({ label: 'None (local relay only)' });
  await field(page, 'User name').fill('pbx-relay');
  await page.getByTestId('mail-password').fill(RELAY_PASSWORD);
  await field(page, 'From').fill('pbx@example.com');
  await field(page, 'Sender name').fill('Reception PBX');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/E-mail \(SMTP\) saved/).first().waitFor();

  const stored = await admin.get('/mail');
  assert.deepEqual(stored.body, { host: '127.0.0.1', port: smtpPort, security: 'none', username: 'pbx-relay', password: MASK, from: 'pbx@example.com', fromName: 'Reception PBX' });

  // After a reload the password is the mask, said to be kept; the test mail proves it was.
  await page.reload();
  const pw = page.getByTestId('mail-password');
  await pw.waitFor();
  assert.equal(await pw.inputValue(), MASK);
  assert.equal(await pw.getAttribute('type'), 'password');
  await page.getByTestId('mail-password-help').getByText(/A password is stored/).waitFor();
  // Saving other changes sends the mask back: the stored password stays.
  await field(page, 'Sender name').fill('Reception');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/E-mail \(SMTP\) saved/).first().waitFor();
  await page.getByLabel('Send to').fill('admin@example.com');
  await page.getByTestId('mail-test-send').click();
  await page.getByText(/Test e-mail sent to admin@example.com/).first().waitFor({ timeout: 30_000 });
  assert.deepEqual(logins.at(-1), { username: 'pbx-relay', password: RELAY_PASSWORD });
  assert.deepEqual(mails.at(-1), { to: ['admin@example.com'] });
  await screenshot(page, 'mail-settings', { doc: true });
  await close();
});

test('the feature codes page shows every code with what it does, and saves a change', async () => {
  const { page, close } = await adminPage();
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Feature codes' }).click();
  const codes = page.getByTestId('feature-codes');
  await codes.getByTestId('codes-inCall').waitFor();
  const server = (await admin.get('/feature-codes')).body as Record<string, string>;
  // Every code of the API is on the page, with its value.
  for (const [name, value] of Object.entries(server)) {
    const row = codes.getByTestId(`code-${name}`);
    assert.equal(await row.count(), 1, `a row for ${name}`);
    assert.equal(await row.locator('input').inputValue(), value, name);
  }
  const labels: [string, string][] = [['dnd', 'Do not disturb on'], ['voicemail', 'Any mailbox'], ['pickup', 'Directed pickup'], ['lock', 'Lock the phone'], ['calls', 'Call back when free'], ['inCall', 'Attended transfer']];
  for (const [group, label] of labels) {
    await codes.getByTestId(`codes-${group}`).getByText(label, { exact: true }).waitFor();
  }
  await codes.getByTestId('code-directedPickup').getByText('+ number').waitFor();
  await codes.getByTestId('code-echoTest').getByText(/hear yourself back/i).waitFor();
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot(page, 'feature-codes', { doc: true });

  await page.getByLabel('Echo test').fill('*44');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/Feature codes saved/).first().waitFor();
  assert.equal((await admin.get('/feature-codes')).body.echoTest, '*44');
  await close();
});

test("the call recordings page is the privacy officer's, and only theirs", async () => {
  // Only root on the box (pbxctl) creates a privacy admin: the admin cannot hand out privacy.
  const made = await pbx.pbxctl(['add-user', 'privacy', 'privacy-admin']);
  assert.equal(made.code, 0, made.stderr);
  const temp = /one-time password: (\S+)/.exec(made.stdout)?.[1];
  assert.ok(temp, made.stdout);
  const { context, page } = await newPage(browser, base);
  await login(page, 'privacy', temp);
  await changePassword(page, temp, 'Paola-Own-Passw0rd-77');
  const nav = page.getByRole('navigation', { name: 'Main menu' });
  await nav.getByRole('link', { name: 'Call recordings' }).waitFor();
  // The first page the role may see stands in for the dashboard.
  await page.getByTestId('recordings').waitFor();
  await page.getByText('No recordings match.').waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Conference rooms' }).count(), 0);
  await screenshot(page, 'call-recordings');
  await context.close();

  const { page: adminTab, close } = await adminPage();
  await adminTab.goto('/recordings');
  await adminTab.getByRole('heading', { name: 'Not permitted' }).waitFor();
  await close();
  assert.deepEqual(pageErrors, []);
});
