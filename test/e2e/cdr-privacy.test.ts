// Call records and privacy in Chromium against a real stack: a real inbound call from a carrier
// (SIPp) leaves a CDR row; the admin opens Call records from the menu and sees the outside number
// masked and said to be masked, filters by it, and downloads the CSV export the browser streams
// (masked too). The privacy officer sets the privacy key from the Privacy page, unlocks it with the
// passphrase (a wrong one is refused first), then sees the number whole in Call records; locking
// masks it again. Only the GUI acts; the API checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { adminSession, ADMIN_PASSWORD, type ApiClient } from '../lib/api.ts';
import { freeUdpPort, runSipp, startSipp, stopAllSipp, describeSippResult } from '../lib/sipp.ts';
import { launch, newPage, login, changePassword, screenshot, pageErrors, signedInPage } from './lib/browser.ts';

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const DID = '0612345678';
const OUTSIDE = '3471112233';
const OUTSIDE_MASKED = '3471112xxx';
const PASSPHRASE = 'Quattro gatti sul tetto 2026';

let pbx: PbxInstance;
let browser: Browser;
let admin: ApiClient;
let base: string;
let carrierPort: number;

before(async () => {
  carrierPort = await freeUdpPort('127.0.0.2');
  pbx = await startPbx(
    {
      system: { name: 'GUI CDR test', language: 'en', timezone: 'UTC' },
      extensions: [
        { number: '201', name: 'Anna', devices: [{ username: '201', password: PW('201') }] },
        { number: '202', name: 'Bruno', devices: [{ username: '202', password: PW('202') }] },
      ],
      trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: carrierPort, qualify: false }],
      inboundRoutes: [{ did: DID, destination: { extension: '202' } }],
    },
    // A GUI build elsewhere than webui/dist (a helper's own build) may be served instead.
    process.env.PBX_WEBUI_DIR ? { env: { PBX_WEBUI_DIR: process.env.PBX_WEBUI_DIR } } : {},
  );
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  admin = await adminSession(base, pbx.dataDir);
  assert.equal((await admin.post('/setup/complete')).status, 200);
  browser = await launch();

  // One real inbound call: the carrier's caller (an outside number) to the DID, answered by 202.
  const callee = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '202', password: PW('202'), holdMs: 500, timeoutMs: 60_000 });
  await callee.waitForRegistration(10_000);
  const r = await runSipp({ scenario: 'carrier-uac.xml', remote: `127.0.0.1:${pbx.sipPort}`, localIp: '127.0.0.2', service: DID, caller: OUTSIDE, holdMs: 1500, timeoutMs: 30_000 });
  assert.equal(r.ok, true, describeSippResult(r));
  await callee.done;
  // And an internal call, 201 to 202: extensions are never masked.
  const bruno = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '202', password: PW('202'), holdMs: 500, timeoutMs: 60_000 });
  await bruno.waitForRegistration(10_000);
  const internal = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '202', user: '201', password: PW('201'), callerName: 'Anna', holdMs: 1200, timeoutMs: 60_000 });
  assert.equal(internal.ok, true, describeSippResult(internal));
  await bruno.done;
  await waitFor(
    async () => {
      const rows = await admin.get('/cdr?direction=in&disposition=ANSWERED');
      const items = rows.status === 200 ? (rows.body.items as { callerNumber: string }[]) : [];
      const internal = await admin.get('/cdr?direction=internal');
      return items.some((x) => x.callerNumber === OUTSIDE_MASKED) && internal.status === 200 && internal.body.total > 0;
    },
    20_000,
    'the CDR rows of both calls',
  );
});

after(async () => {
  await stopAllSipp();
  await browser?.close();
  await pbx?.stop();
});

/** The CDR table's rows once the list has loaded. */
async function cdrRows(page: Page) {
  const table = page.getByTestId('cdr-table');
  await table.waitFor();
  await page.getByTestId('cdr-count').waitFor();
  return table.getByTestId('cdr-row');
}

test('the admin opens Call records: the outside number masked, filtered, exported masked', async () => {
  const { page, close } = await signedInPage(browser, base, 'admin', ADMIN_PASSWORD);
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Call records' }).click();
  await page.getByRole('heading', { name: 'Call records' }).waitFor();
  const rows = await cdrRows(page);
  const inbound = rows.filter({ hasText: OUTSIDE_MASKED }).first();
  await inbound.waitFor();
  assert.equal(await inbound.getByTestId('cdr-masked').count(), 1, 'the masked number says so');
  assert.match((await inbound.textContent()) ?? '', /Incoming/);
  assert.match((await inbound.textContent()) ?? '', /carrier1/);
  assert.equal(await page.getByText(OUTSIDE).count(), 0, 'the admin never sees the whole number');
  assert.equal(await page.getByTestId('cdr-mask-note').getAttribute('data-mask'), 'admin');
  // No legal-hold column for the admin; the internal call shows both extensions, unmasked.
  assert.equal(await page.getByTestId('cdr-hold').count(), 0);
  const internalRow = rows.filter({ hasText: 'Internal' }).first();
  assert.match((await internalRow.textContent()) ?? '', /201.*202/);
  assert.equal(await internalRow.getByTestId('cdr-masked').count(), 0);
  await screenshot(page, 'cdr', { doc: true });

  // A filter by the number (as the admin knows it: masked) finds the call, and the export follows.
  await page.getByTestId('cdr-filter-number').fill(OUTSIDE_MASKED);
  await page.getByTestId('cdr-search').click();
  await waitFor(async () => (await page.getByTestId('cdr-count').textContent())?.startsWith('1 of 1') ?? false, 10_000, 'the filtered list');
  const href = await page.getByTestId('cdr-export-csv').getAttribute('href');
  assert.ok(href?.includes(`number=${OUTSIDE_MASKED}`) && href.includes('format=csv'), href ?? '');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('cdr-export-csv').click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  assert.ok(csv.includes(OUTSIDE_MASKED), csv);
  assert.ok(!csv.includes(OUTSIDE), 'the export is masked too');
  await close();
  assert.deepEqual(pageErrors, []);
});

test('the privacy officer sets the key, unlocks it and sees the number whole; locking masks it again', async () => {
  // Only root on the box (pbxctl) creates a privacy admin.
  const made = await pbx.pbxctl(['add-user', 'officer', 'privacy-admin']);
  assert.equal(made.code, 0, made.stderr);
  const temp = /one-time password: (\S+)/.exec(made.stdout)?.[1];
  assert.ok(temp, made.stdout);
  const { context, page } = await newPage(browser, base);
  await login(page, 'officer', temp);
  await changePassword(page, temp, 'Dpo-Own-Passw0rd-55x');
  const nav = page.getByRole('navigation', { name: 'Main menu' });
  await nav.getByRole('link', { name: 'Privacy' }).click();
  const state = page.getByTestId('privacy-state');
  await state.waitFor();
  assert.equal(await state.getAttribute('data-state'), 'none');

  // Set the key from a passphrase.
  await page.getByTestId('privacy-new-passphrase').fill(PASSPHRASE);
  await page.getByTestId('privacy-new-passphrase-again').fill(PASSPHRASE);
  await page.getByTestId('privacy-save-key').click();
  await waitFor(async () => (await state.getAttribute('data-state')) !== 'none', 30_000, 'the key set');
  if ((await state.getAttribute('data-state')) === 'unlocked') {
    await page.getByTestId('privacy-lock').click();
    await waitFor(async () => (await state.getAttribute('data-state')) === 'locked', 10_000, 'locked');
  }

  // Locked: Call records masks the number and says how to unlock (the rows stored before the key
  // are sealed by a background job: until then the page is asked again).
  await nav.getByRole('link', { name: 'Call records' }).click();
  await waitFor(
    async () => {
      await page.reload();
      const rows = await cdrRows(page);
      await rows.first().waitFor();
      return (await page.getByTestId('cdr-mask-note').getAttribute('data-mask')) === 'locked' && (await rows.filter({ hasText: OUTSIDE_MASKED }).count()) > 0;
    },
    30_000,
    'the rows masked while locked',
  );
  await page.getByTestId('cdr-mask-note').getByRole('link').click();
  await page.getByTestId('privacy-unlock-passphrase').waitFor();
  await screenshot(page, 'privacy', { doc: true });

  // A wrong passphrase is refused and said; the right one unlocks.
  await page.getByTestId('privacy-unlock-passphrase').fill('Not the passphrase 1');
  await page.getByTestId('privacy-unlock').click();
  await page.getByTestId('privacy-unlock-error').waitFor();
  assert.equal(await page.getByTestId('privacy-state').getAttribute('data-state'), 'locked');
  await page.getByTestId('privacy-unlock-passphrase').fill(PASSPHRASE);
  await page.getByTestId('privacy-unlock').click();
  await waitFor(async () => (await page.getByTestId('privacy-state').getAttribute('data-state')) === 'unlocked', 20_000, 'unlocked');

  // Unlocked: the number whole, and the officer may put the call on legal hold.
  await nav.getByRole('link', { name: 'Call records' }).click();
  const whole = (await cdrRows(page)).filter({ hasText: OUTSIDE }).first();
  await whole.waitFor();
  assert.equal(await whole.getByTestId('cdr-masked').count(), 0);
  const hold = whole.getByTestId('cdr-hold');
  // A controlled checkbox: it shows the hold once the box has stored it.
  await hold.click();
  await page.getByText(/Legal hold placed/).waitFor();
  assert.equal(await hold.isChecked(), true);
  const holds = await admin.get('/cdr/holds');
  assert.equal(holds.status, 403, 'the admin cannot even list holds');

  // Locked again: masked again.
  await nav.getByRole('link', { name: 'Privacy' }).click();
  await page.getByTestId('privacy-lock').click();
  await waitFor(async () => (await page.getByTestId('privacy-state').getAttribute('data-state')) === 'locked', 10_000, 'locked again');
  await nav.getByRole('link', { name: 'Call records' }).click();
  await (await cdrRows(page)).filter({ hasText: OUTSIDE_MASKED }).first().waitFor();
  assert.equal(await page.getByText(OUTSIDE).count(), 0);
  assert.equal(await page.getByTestId('cdr-mask-note').getAttribute('data-mask'), 'locked');
  await context.close();
  assert.deepEqual(pageErrors, []);
});
