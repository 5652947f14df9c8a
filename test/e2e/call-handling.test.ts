// The call-handling GUI in Chromium against a real stack: an IVR made with its wizard holds
// exactly what was chosen and routes a carrier's call by the key pressed (SIPp on real
// Asterisk); a queue made with its wizard shows its members live and logs an agent in; a
// switch's state changes from its page. Only the GUI writes these objects; the API checks them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { adminSession, ADMIN_PASSWORD, type ApiClient } from '../lib/api.ts';
import { runSipp, startSipp, stopAllSipp, type SippProcess } from '../lib/sipp.ts';
import { launch, screenshot, pageErrors, field, signedInPage } from './lib/browser.ts';

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-7h`;
const PHONES = ['201', '202', '203'] as const;
const DID = '0612345700';

let pbx: PbxInstance;
let browser: Browser;
let admin: ApiClient;
let base: string;

before(async () => {
  pbx = await startPbx({
    system: { name: 'GUI call handling test', language: 'en', timezone: 'UTC' },
    extensions: PHONES.map((n) => ({ number: n, name: `Phone ${n}`, devices: [{ username: n, password: PW(n) }] })),
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: 5999, qualify: false }],
  });
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  admin = await adminSession(base, pbx.dataDir);
  assert.equal((await admin.post('/setup/complete')).status, 200);
  // The IVR's key 2 leads here: it must exist before the wizard can name it.
  const group = await admin.post('/ring-groups', { name: 'sales', members: [{ extension: '203' }] });
  assert.equal(group.status, 201, group.text);
  browser = await launch();
});

after(async () => {
  await stopAllSipp();
  await browser?.close();
  await pbx?.stop();
});

const adminPage = () => signedInPage(browser, base, 'admin', ADMIN_PASSWORD);

test('an IVR made with the wizard holds what was chosen, and a carrier call pressing 1 reaches extension 201', async () => {
  const { page, close } = await adminPage();
  const nav = page.getByRole('navigation', { name: 'Main menu' });
  await nav.getByRole('heading', { name: 'Call handling' }).waitFor();
  await nav.getByRole('link', { name: 'IVR menus' }).click();
  await page.getByRole('link', { name: 'Wizard' }).click();
  const wizard = page.getByTestId('ivr-wizard');
  await wizard.waitFor();

  await page.getByTestId('ivrwiz-step-identity').waitFor();
  await field(page, 'Name').fill('main');
  await field(page, 'Number').fill('700');
  await page.getByTestId('wizard-next').click();

  await page.getByTestId('ivrwiz-step-greeting').waitFor();
  await page.getByTestId('iw-greeting-kind-builtin').check();
  await field(page, 'Prompt name').fill('beep');
  await page.getByTestId('wizard-next').click();

  const keys = page.getByTestId('ivrwiz-step-options');
  await keys.waitFor();
  await page.getByTestId('ivr-add-option').click();
  const one = page.getByTestId('ivr-option-0');
  await field(one, 'Key').selectOption('1');
  await field(one, 'Kind').selectOption({ label: 'Extension' });
  await field(one, 'Extension').fill('201');
  await page.getByTestId('ivr-add-option').click();
  const two = page.getByTestId('ivr-option-1');
  await field(two, 'Key').selectOption('2');
  await field(two, 'Kind').selectOption({ label: 'Ring group' });
  await field(two, 'Ring group').fill('sales');
  await screenshot(page, 'ivr-wizard-keys', { doc: true });
  await page.getByTestId('wizard-next').click();

  const behaviour = page.getByTestId('ivrwiz-step-behaviour');
  await behaviour.waitFor();
  const fallback = behaviour.getByRole('group', { name: 'Fallback' });
  await field(fallback, 'Kind').selectOption({ label: 'Extension' });
  await field(fallback, 'Extension').fill('202');
  await page.getByTestId('wizard-next').click();

  const review = page.getByTestId('ivrwiz-step-review');
  await review.waitFor();
  await review.getByText('Extension 201').waitFor();
  await review.getByText('Ring group sales').waitFor();
  await screenshot(page, 'ivr-wizard-review');
  await page.getByTestId('wizard-finish').click();
  await page.getByTestId('ivrwiz-done').waitFor();

  const ivr = await admin.get('/ivrs/main');
  assert.equal(ivr.status, 200, ivr.text);
  assert.deepEqual(ivr.body, {
    name: 'main',
    number: '700',
    greeting: { builtin: 'beep' },
    options: [
      { key: '1', destination: { extension: '201' } },
      { key: '2', destination: { ringGroup: 'sales' } },
    ],
    directDial: false,
    timeout: 5,
    retries: 2,
    invalidPrompt: { builtin: 'invalid' },
    fallback: { extension: '202' },
  });

  // The list, with the call-handling menu beside it (for the docs).
  await nav.getByRole('link', { name: 'IVR menus' }).click();
  await page.getByRole('table').getByRole('link', { name: 'main' }).waitFor();
  await screenshot(page, 'call-handling-list', { doc: true });
  await close();

  // The real thing: a carrier calls the DID, the IVR answers, the caller presses 1.
  const route = await admin.post('/inbound-routes', { did: DID, destination: { ivr: 'main' } });
  assert.equal(route.status, 201, route.text);
  assert.equal(route.body.apply?.ok, true, JSON.stringify(route.body.apply));
  const remote = `127.0.0.1:${pbx.sipPort}`;
  const phones = new Map<string, SippProcess>();
  await Promise.all(
    PHONES.map(async (n) => {
      const p = await startSipp({ scenario: 'phone-uas.xml', remote, user: n, password: PW(n), timeoutMs: 60_000 });
      await p.waitForRegistration(15_000);
      phones.set(n, p);
    }),
  );
  const caller = await runSipp({ scenario: 'uac-dtmf.xml', remote, localIp: '127.0.0.2', service: DID, caller: '0611111111', dtmf: '1', dtmfDelayMs: 1200, holdMs: 4000, timeoutMs: 60_000 });
  const results = await Promise.all([...phones.entries()].map(async ([n, p]) => [n, await p.stop()] as const));
  assert.ok(caller.answered, `the IVR answers the carrier (${caller.finalStatus})`);
  assert.deepEqual(results.filter(([, r]) => r.inviteReceived).map(([n]) => n), ['201'], 'key 1 rings extension 201 only');
});

test('a queue made with the wizard shows both members live; logging the agent in from the panel reaches Asterisk', async () => {
  const { page, close } = await adminPage();
  await page.goto('/queues/wizard');
  await page.getByTestId('queue-wizard').waitFor();

  await page.getByTestId('queuewiz-step-identity').waitFor();
  await field(page, 'Name').fill('support');
  await field(page, 'Number').fill('600');
  await page.getByTestId('wizard-next').click();

  await page.getByTestId('queuewiz-step-members').waitFor();
  await field(page, 'Ring strategy').selectOption('linear');
  await page.getByTestId('queue-add-members').click();
  await field(page.getByTestId('queue-members'), 'Extension').fill('202');
  await page.getByTestId('queue-add-dynamicMembers').click();
  await field(page.getByTestId('queue-dynamicMembers'), 'Extension').fill('203');
  await screenshot(page, 'queue-wizard-members');
  await page.getByTestId('wizard-next').click();

  await page.getByTestId('queuewiz-step-experience').waitFor();
  await page.getByTestId('wizard-next').click();

  const limits = page.getByTestId('queuewiz-step-limits');
  await limits.waitFor();
  await field(limits, 'Maximum wait (seconds)').fill('120');
  const timeout = limits.getByRole('group', { name: 'After the maximum wait' });
  await field(timeout, 'Kind').selectOption({ label: 'Extension' });
  await field(timeout, 'Extension').fill('201');
  await screenshot(page, 'queue-wizard-limits');
  await page.getByTestId('wizard-next').click();

  await page.getByTestId('queuewiz-step-review').waitFor();
  await screenshot(page, 'queue-wizard-review');
  await page.getByTestId('wizard-finish').click();
  await page.getByTestId('queuewiz-done').waitFor();

  const queue = await admin.get('/queues/support');
  assert.equal(queue.status, 200, queue.text);
  const q = queue.body;
  assert.equal(q.number, '600');
  assert.equal(q.strategy, 'linear');
  assert.deepEqual(q.members, [{ extension: '202', penalty: 0 }]);
  assert.deepEqual(q.dynamicMembers, [{ extension: '203', penalty: 0 }]);
  assert.equal(q.maxWait, 120);
  assert.deepEqual(q.timeoutDestination, { extension: '201' });

  await page.getByTestId('wizard-open').click();
  const panel = page.getByTestId('queue-status');
  await panel.waitFor();
  const staticRow = panel.getByTestId('queue-member-202');
  const agentRow = panel.getByTestId('queue-member-203');
  await staticRow.getByText('always in').waitFor();
  await agentRow.getByText('logged out').waitFor();
  const before = (await admin.get('/queues/support/status')).body;
  assert.equal(before.members.find((m: { extension: string }) => m.extension === '203').loggedIn, false);

  await agentRow.getByRole('button', { name: 'Log in 203' }).click();
  await agentRow.getByText('available').waitFor();
  await agentRow.getByRole('button', { name: 'Log out 203' }).waitFor();
  await waitFor(async () => (await admin.get('/queues/support/status')).body.members.find((m: { extension: string }) => m.extension === '203')?.loggedIn === true, 15_000, 'the API to report 203 logged in');
  await screenshot(page, 'queue-status', { doc: true });
  // Changes made elsewhere (here the API, as a phone's agent code would) reach the open panel live.
  assert.equal((await admin.post('/queues/support/members/203/logout', {})).status, 200);
  await agentRow.getByText('logged out').waitFor();
  await agentRow.getByRole('button', { name: 'Log in 203' }).waitFor();
  await close();
});

test("a switch's state changes from its page", async () => {
  const created = await admin.post('/switches', {
    name: 'night',
    states: [
      { name: 'day', destination: { extension: '201' } },
      { name: 'night', destination: { extension: '202' } },
    ],
  });
  assert.equal(created.status, 201, created.text);
  assert.equal((await admin.get('/switches/night/state')).body.state, 'day');

  const { page, close } = await adminPage();
  await page.goto('/switches/night');
  const select = page.getByTestId('switch-state');
  await select.waitFor();
  assert.equal(await select.inputValue(), 'day');
  await select.selectOption('night');
  await page.getByText('Switch night is now night.').waitFor();
  await screenshot(page, 'switch-state');
  await waitFor(async () => (await admin.get('/switches/night/state')).body.state === 'night', 15_000, 'the API to report the night state');
  assert.equal(await select.inputValue(), 'night');
  // A change made elsewhere (a phone's code, the API) moves the open page's select too.
  assert.equal((await admin.put('/switches/night/state', { state: 'day' })).status, 200);
  await waitFor(async () => (await select.inputValue()) === 'day', 15_000, 'the select to follow the change');
  await close();
  assert.deepEqual(pageErrors, []);
});
