// Phone provisioning in Chromium against a real supervisor: a factory-fresh Yealink asks for its
// files and is refused; the installer sees it among the discovered phones with the option 66
// value, adopts it in the wizard (vendor and model prefilled, a line and a BLF key chosen), and
// the phone page's preview is byte for byte what the phone then fetches. A CSV with a bad row is
// refused row by row and imports nothing. Only the GUI writes; the API and the phone check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startApiDaemon, adminSession, ADMIN_PASSWORD, type ApiClient, type ApiDaemon } from '../lib/api.ts';
import { waitFor } from '../lib/pbx.ts';
import { launch, screenshot, signedInPage } from './lib/browser.ts';

const MAC = '001565c0ffee';
const UA = 'Yealink SIP-T48S 66.86.0.15 00:15:65:c0:ff:ee';
let d: ApiDaemon;
let admin: ApiClient;
let browser: Browser;
let work: string;

const asPhone = (name: string) => fetch(`${d.base}/provisioning/${name}`, { headers: { 'User-Agent': UA } });

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pbx-e2e-phones-'));
  d = await startApiDaemon();
  admin = await adminSession(d.base, d.dataDir);
  assert.equal((await admin.post('/setup/complete')).status, 200);
  const ext = await admin.post('/extensions/bulk', {
    items: [
      { number: '201', name: 'Anna Rossi', devices: [{ username: 'anna-desk', password: 'Sip-Qm7-kRw2zX' }] },
      { number: '202', name: 'Bruno Bianchi', devices: [{ username: 'bruno-desk', password: 'Sip-Hv3-pLt8wY' }] },
    ],
  });
  assert.equal(ext.status, 201, ext.text);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a discovered phone adopted in the wizard gets exactly the file its page previews', async () => {
  assert.equal((await asPhone(`${MAC}.boot`)).status, 404, 'a phone the box does not know gets nothing');

  const { page, close } = await signedInPage(browser, d.base, 'admin', ADMIN_PASSWORD);
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Phones' }).click();
  await page.getByTestId('phones-page').waitFor();
  assert.match(await page.getByTestId('option66').innerText(), /http:\/\/127\.0\.0\.1:\d+\/provisioning\//);
  await page.getByTestId(`discovered-${MAC}`).waitFor();
  await screenshot(page, 'phones-discovered', { doc: true });
  await page.getByTestId(`adopt-${MAC}`).click();

  // Vendor, model and MAC come from what the phone said.
  assert.equal(await page.getByTestId('phone-wizard-vendor').inputValue(), 'yealink');
  assert.equal(await page.getByTestId('phone-wizard-model').inputValue(), 'T48S');
  await page.getByTestId('phone-wizard-next').click();
  assert.match((await page.getByTestId('phone-wizard-mac').inputValue()).toLowerCase().replace(/[^0-9a-f]/g, ''), new RegExp(MAC));
  await page.getByTestId('phone-wizard-next').click();
  await page.getByTestId('phone-wizard-line-0').selectOption('anna-desk');
  await page.getByTestId('phone-wizard-next').click();
  await page.getByTestId('phone-wizard-key-add-type').selectOption('blf');
  await page.getByTestId('phone-wizard-key-add').click();
  await page.getByTestId('phone-wizard-key-0-value').selectOption('202');
  await page.getByTestId('phone-wizard-next').click();
  const adminPassword = await page.getByTestId('phone-wizard-admin-password').inputValue();
  assert.ok(adminPassword.length >= 12, 'a strong admin password is proposed');
  await screenshot(page, 'phone-wizard', { doc: true });
  await page.getByTestId('phone-wizard-create').click();
  await page.getByTestId('phone-page').waitFor();

  const stored = await admin.get(`/phones/${MAC}`);
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.body.vendor, 'yealink');
  assert.equal(stored.body.model, 'T48S');
  assert.deepEqual(stored.body.lines, [{ account: 'anna-desk' }]);
  assert.deepEqual(stored.body.keys, [{ type: 'blf', extension: '202' }]);
  assert.equal(stored.body.adminPassword, adminPassword);

  // The phone now gets its file: the very text the page previews.
  const preview = page.getByTestId('phone-file-preview').first();
  await waitFor(async () => /account\.1\.user_name = anna-desk/.test(await preview.innerText()), 15_000, 'the preview of the settings file');
  const served = await asPhone(`${MAC}.cfg`);
  assert.equal(served.status, 200);
  const body = await served.text();
  assert.match(body, /linekey\.1\.value = 202/);
  assert.match(body, new RegExp(`static\\.security\\.user_password = admin:${adminPassword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // The preview shows the settings file first; compare it with what was served for that name.
  const shown = await preview.innerText();
  assert.equal(shown.trim(), body.trim());
  await screenshot(page, 'phone-page', { doc: true });
  await close();
});

test('a CSV with a bad row names it and imports nothing', async () => {
  const csv = join(work, 'phones.csv');
  writeFileSync(
    csv,
    [
      'mac,vendor,model,description,lines,keys,language,timezone,adminPassword,httpUser,httpPassword,template',
      '00:04:13:aa:00:01,snom,D715,Front desk,bruno-desk,blf:201,,,,,,',
      'not-a-mac,snom,D715,,bruno-desk,,,,,,,',
    ].join('\n') + '\n',
  );
  const { page, close } = await signedInPage(browser, d.base, 'admin', ADMIN_PASSWORD);
  await page.goto(`${d.base}/phones`);
  await page.getByTestId('phone-import-file').setInputFiles(csv);
  await page.getByTestId('phone-import-error').waitFor();
  const errors = page.getByTestId('phone-import-errors');
  await errors.waitFor();
  // Line 3 (the header is line 1), its column, and why.
  const text = await errors.innerText();
  assert.match(text, /\b3\b/);
  assert.match(text, /mac/i);
  await screenshot(page, 'phones-import-errors');
  const list = await admin.get('/phones');
  assert.deepEqual(list.body.items.map((p: { mac: string }) => p.mac), [MAC], 'nothing was imported');
  await close();
});
