// End-to-end harness: Debian's Chromium driven by playwright-core against a supervisor that
// serves the built GUI (webui/dist) with real Asterisk behind it. Screenshots go to
// test-artifacts/screenshots (git-ignored); PBX_DOC_IMAGES=1 also refreshes docs/images.
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEBUI_DIST = join(ROOT, 'webui', 'dist');
const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');

export function assertGuiBuilt(): void {
  if (!existsSync(join(WEBUI_DIST, 'index.html'))) throw new Error('webui/dist is missing: run `make webui` (make test does it)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the Makefile installs Debian's chromium`);
}

export async function launch(): Promise<Browser> {
  assertGuiBuilt();
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export async function newPage(browser: Browser, baseURL: string, opts: { width?: number; height?: number; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 }, locale: opts.locale ?? 'en-US' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  // A page error (uncaught exception in the GUI) fails the test that caused it.
  page.on('pageerror', (err) => {
    pageErrors.push(`${err.message}`);
  });
  return { context, page };
}

/** Uncaught errors seen in any page; tests assert this stays empty. */
export const pageErrors: string[] = [];

export async function screenshot(page: Page, name: string, opts: { doc?: boolean } = {}): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  if (opts.doc && process.env.PBX_DOC_IMAGES === '1') {
    mkdirSync(join(ROOT, 'docs', 'images'), { recursive: true });
    copyFileSync(file, join(ROOT, 'docs', 'images', `${name}.png`));
  }
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The forced first-login password change. */
export async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await page.getByLabel('Current password').fill(current);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('New password again').fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
}

/** A form field by its label inside `scope`; required fields carry a " *" marker after the label text. */
export function field(scope: Page | Locator, label: string): Locator {
  return scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`));
}

/** A page signed in as `username`, with the main menu shown. */
export async function signedInPage(browser: Browser, baseURL: string, username: string, password: string): Promise<{ page: Page; close(): Promise<void> }> {
  const { context, page } = await newPage(browser, baseURL);
  await login(page, username, password);
  await page.getByRole('navigation', { name: 'Main menu' }).waitFor();
  return { page, close: () => context.close() };
}
