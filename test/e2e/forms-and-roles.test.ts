// The GUI in Chromium against a real stack: the API's validation message appears next to the
// field and nothing is saved; a role without trunk rights sees no trunk pages, not even by URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startPbx, type PbxInstance } from '../lib/pbx.ts';
import { adminSession, ADMIN_PASSWORD, type ApiClient } from '../lib/api.ts';
import { launch, newPage, login, changePassword, screenshot, pageErrors, field } from './lib/browser.ts';

let pbx: PbxInstance;
let browser: Browser;
let admin: ApiClient;
let base: string;

before(async () => {
  pbx = await startPbx({
    system: { name: 'GUI forms test' },
    extensions: [{ number: '201', name: 'Alice', devices: [{ username: '201', password: 'Sip-kmn-Alpha-Q9x' }] }],
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', qualify: false }],
  });
  base = `http://127.0.0.1:${pbx.daemon.httpPort}`;
  admin = await adminSession(base, pbx.dataDir);
  // The first-boot wizard is its own test; here the box counts as set up.
  assert.equal((await admin.post('/setup/complete')).status, 200);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await pbx?.stop();
});

test('a number already in use: the API message sits next to the field and nothing is saved', async () => {
  const { context, page } = await newPage(browser, base);
  await login(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Extensions' }).click();
  await page.getByRole('table').getByRole('link', { name: '201' }).waitFor();
  await screenshot(page, 'extensions-list', { doc: true });
  await page.getByRole('link', { name: 'New extension' }).click();
  // By id: the mobile (forking) group of the form has a Number too.
  await page.locator('#f-number').fill('201');
  await field(page, 'Name').fill('Duplicate');
  const auditBefore = (await admin.get('/audit?limit=1')).body.items[0].id as number;
  await page.getByRole('button', { name: 'Create' }).click();

  // The same request straight to the API gives the message the field must show.
  const direct = await admin.post('/extensions', { number: '201', name: 'Duplicate' });
  assert.equal(direct.status, 409);
  const apiMessage = direct.body.error.fields.find((f: { path: string }) => f.path === 'number').message as string;
  const fieldError = page.locator('#f-number-err');
  await fieldError.waitFor();
  assert.equal((await fieldError.textContent())?.trim(), apiMessage);
  assert.equal(await page.locator('#f-number').getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'extension-validation', { doc: true });

  const list = await admin.get('/extensions?q=Duplicate');
  assert.equal(list.body.total, 0, 'nothing saved');
  assert.equal((await admin.get('/audit?limit=1')).body.items[0].id, auditBefore, 'no audit entry for a refused write');
  assert.equal((await admin.get('/extensions/201')).body.name, 'Alice');
  await context.close();
});

test('a role without trunk permission sees no trunk pages and cannot reach them by URL', async () => {
  const role = await admin.post('/roles', { name: 'no-trunks', permissions: { extensions: 'write', routing: 'read', system: 'read', calls: 'read' } });
  assert.equal(role.status, 201, role.text);
  const user = await admin.post('/users', { username: 'operator', role: 'no-trunks', fullName: 'Olga Operator', password: 'Op-Initial-Pass-2026!' });
  assert.equal(user.status, 201, user.text);

  const { context, page } = await newPage(browser, base);
  await login(page, 'operator', 'Op-Initial-Pass-2026!');
  await changePassword(page, 'Op-Initial-Pass-2026!', 'Olga-Own-Passw0rd-77');
  const nav = page.getByRole('navigation', { name: 'Main menu' });
  await nav.getByRole('link', { name: 'Extensions' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Trunks' }).count(), 0, 'no trunk menu entry');
  assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0, 'no users menu entry');
  await screenshot(page, 'role-without-trunks');

  for (const url of ['/trunks', '/trunks/carrier1', '/trunks/new', '/trunks/wizard']) {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Not permitted' }).waitFor();
    assert.equal(await page.getByText('carrier1').count(), 0, `${url} shows no trunk data`);
  }
  // What the role may read stays readable, and only readable: routing has no create button.
  await page.goto('/outbound-rules');
  await page.getByRole('heading', { name: 'Outbound rules' }).waitFor();
  assert.equal(await page.getByRole('link', { name: /New outbound rule/ }).count(), 0);
  await context.close();
  assert.deepEqual(pageErrors, []);
});

test('keyboard only: sign in, reach a page through the menu, and the focus is visible; on a tablet the menu folds', async () => {
  const { context, page } = await newPage(browser, base, { width: 820, height: 1180 });
  await page.goto('/');
  await page.getByLabel('User name').waitFor();
  // The password field has the focus first (the user name is prefilled with admin).
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  const toggle = page.getByRole('button', { name: 'Menu' });
  await toggle.waitFor();
  const nav = page.getByRole('navigation', { name: 'Main menu' });
  assert.equal(await nav.isVisible(), false, 'the menu is folded on a tablet');
  await toggle.focus();
  const outline = await toggle.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(el).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await nav.getByRole('link', { name: 'Extensions' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Extensions' }).waitFor();
  assert.equal(await nav.isVisible(), false, 'the menu folds again after choosing a page');
  await screenshot(page, 'tablet-extensions');
  await context.close();
});
