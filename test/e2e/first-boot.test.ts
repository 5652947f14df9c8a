// From a fresh box to a working call, through the GUI only: the admin logs in with the
// one-time password, is forced to choose a new one, goes through the first-boot wizard, which
// creates two extensions; a SIPp phone registers with the credentials the summary shows and the
// other extension calls it. Then the dashboard counts the call live, the audit log shows the
// wizard's changes, and an extension edit is reverted from it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { ApiClient, sessionOf } from '../lib/api.ts';
import { runSipp, startSipp, stopAllSipp, type SippProcess } from '../lib/sipp.ts';
import { launch, newPage, login, changePassword, screenshot, pageErrors, field } from './lib/browser.ts';

const NEW_ADMIN_PASSWORD = 'Integrator-Chosen-Pw-2026!';
let pbx: PbxInstance;
let browser: Browser;
let page: Page;
let base: string;
const creds = new Map<string, { user: string; password: string; port: string }>();
const phones: SippProcess[] = [];

async function api(): Promise<ApiClient> {
  const anon = new ApiClient(base);
  const r = await anon.post('/auth/login', { username: 'admin', password: NEW_ADMIN_PASSWORD });
  assert.equal(r.status, 200, r.text);
  return anon.with(sessionOf(r));
}

before(async () => {
  // Only the ports of this test instance: everything else comes from the wizard.
  pbx = await startPbx({ system: { name: 'Fresh box' } });
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  browser = await launch();
  ({ page } = await newPage(browser, base));
});

after(async () => {
  await stopAllSipp();
  await browser?.close();
  await pbx?.stop();
});

test('first login: the one-time password must be replaced before anything else', async () => {
  const oneTime = readFileSync(join(pbx.dataDir, 'initial-admin-password'), 'utf8').trim();
  await login(page, 'admin', oneTime);
  await screenshot(page, 'forced-password-change');
  await changePassword(page, oneTime, NEW_ADMIN_PASSWORD);
  await page.getByTestId('setup-step-welcome').waitFor();
});

test('the first-boot wizard creates two extensions and shows their credentials', async () => {
  await screenshot(page, 'setup-welcome');
  const next = () => page.getByTestId('setup-next').click();
  await next();
  await page.getByTestId('setup-step-password').waitFor();
  await page.getByTestId('setup-skip').click();
  await page.getByTestId('setup-step-time').waitFor();
  await next();
  await page.getByTestId('setup-step-network').waitFor();
  await screenshot(page, 'setup-network');
  await next();
  await page.getByTestId('setup-step-trunk').waitFor();
  await page.getByTestId('setup-skip').click();
  await page.getByTestId('setup-step-extensions').waitFor();
  await page.getByLabel('First number').fill('201');
  await page.getByLabel('How many extensions').fill('2');
  await screenshot(page, 'setup-extensions', { doc: true });
  await next();
  await page.getByTestId('setup-step-inbound').waitFor();
  await page.getByTestId('setup-skip').click();
  await page.getByTestId('setup-summary').waitFor();
  for (const n of ['201', '202']) {
    const row = page.getByTestId(`cred-${n}`);
    creds.set(n, {
      user: (await row.getByTestId('cred-user').textContent())!.trim(),
      password: (await row.getByTestId('cred-password').textContent())!.trim(),
      port: (await row.getByTestId('cred-port').textContent())!.trim(),
    });
  }
  await screenshot(page, 'setup-summary', { doc: true });
  assert.equal(creds.get('201')!.port, String(pbx.sipPort), 'the summary shows the SIP port phones must use');
  assert.notEqual(creds.get('201')!.password, creds.get('202')!.password);
  await page.getByTestId('setup-finish').click();
  await page.getByTestId('tile-active-calls').waitFor();

  const admin = await api();
  assert.equal((await admin.get('/setup')).body.completed, true);
  const ext = await admin.get('/extensions');
  assert.deepEqual(ext.body.items.map((e: { number: string }) => e.number), ['201', '202']);
});

test('a phone registers with the credentials the summary shows and the other extension calls it; the dashboard counts the call live', async () => {
  const remote = `127.0.0.1:${pbx.sipPort}`;
  const c201 = creds.get('201')!;
  const c202 = creds.get('202')!;
  await page.goto('/');
  await page.getByTestId('active-calls').waitFor();
  assert.equal((await page.getByTestId('active-calls').textContent())?.trim(), '0');
  // Marks this document: it must still be the same one (no reload) when the count changes.
  await page.evaluate('window.__sameDocument = true');

  const callee = await startSipp({ scenario: 'phone-uas.xml', remote, user: c202.user, password: c202.password, timeoutMs: 60_000 });
  phones.push(callee);
  await callee.waitForRegistration(15_000);
  await waitFor(async () => (await page.getByTestId('registered-devices').textContent())?.includes('1') ?? false, 20_000, 'the dashboard to show the registered phone');

  const calling = runSipp({ scenario: 'uac-call.xml', remote, service: '202', user: c201.user, password: c201.password, holdMs: 8_000, timeoutMs: 60_000 });
  await waitFor(async () => Number((await page.getByTestId('active-calls').textContent())?.trim()) >= 1, 20_000, 'the active-call count to rise during the call');
  await screenshot(page, 'dashboard', { doc: true });
  const result = await calling;
  assert.ok(result.ok && result.answered, `the call from 201 to 202 is answered (${result.finalStatus})`);
  await waitFor(async () => (await page.getByTestId('active-calls').textContent())?.trim() === '0', 20_000, 'the count to fall after the hang-up');
  assert.equal(await page.evaluate('window.__sameDocument'), true, 'no reload');
});

test('the audit log shows the wizard’s changes, and an extension edit is reverted from it', async () => {
  await page.getByRole('link', { name: 'Audit log' }).click();
  const table = page.getByTestId('audit-table');
  await table.waitFor();
  await table.getByText('201').first().waitFor();
  await screenshot(page, 'audit-log');

  await page.goto('/extensions/201');
  const name = field(page, 'Name');
  await name.waitFor();
  const original = await name.inputValue();
  await name.fill('Renamed By Mistake');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('list-extensions').getByText('Renamed By Mistake').waitFor();

  const admin = await api();
  const edit = (await admin.get('/audit?objectType=extension&objectKey=201&limit=1')).body.items[0];
  assert.match(edit.action, /update|replace|put/);
  await page.goto(`/audit/${edit.id}`);
  await page.getByText('Renamed By Mistake').first().waitFor();
  await screenshot(page, 'audit-entry', { doc: true });
  await page.getByTestId('audit-revert').click();
  await page.getByRole('dialog').getByRole('button', { name: /revert|confirm/i }).click();
  await waitFor(async () => (await admin.get('/extensions/201')).body.name === original, 15_000, 'the revert to restore the name');
  assert.deepEqual(pageErrors, []);
});
