// Provisioning pages against a mocked API: the add-phone wizard (MAC checked as typed, a taken
// MAC refused before the lines, the phone created with what the steps hold, a discovered phone
// prefilled), the phones list (option 66, import refused row by row, XLSX sent as bytes,
// discovered phones adopted), a phone's files shown exactly as served, resync feedback, the
// request log's filters and paging, a template started from a built-in file, and the menu.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeEvents } from '../src/lib/events.ts';
import { Layout } from '../src/components/Layout.tsx';
import { Phones, ProvisioningSettings, importErrors } from '../src/pages/Phones.tsx';
import { PhonePage, PhoneWizard, phoneBody, emptyDraft } from '../src/pages/PhonesEdit.tsx';
import { PhoneRequests } from '../src/pages/PhonesLog.tsx';
import { PhoneTemplateEdit } from '../src/pages/PhonesTemplates.tsx';
import { formatMac, macProblem, normalizeMac, resetVendorCatalogue } from '../src/pages/PhonesCommon.tsx';
import { FakeEventSource } from './fake-event-source.ts';
import { confirmDialog, installDialog, wrap, type Call } from './helpers.tsx';

// ---- fetch mock: JSON answers, and raw text for the files a phone is served -----------------------

type Answer = { status?: number; body?: unknown; text?: string; contentType?: string } | undefined;
let calls: Call[] = [];
const ADMIN = { provisioning: 'write', extensions: 'read', switches: 'read', system: 'read' };

function mockApi(handler: (c: Call) => Answer, permissions: Record<string, string> = ADMIN) {
  calls = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const u = new URL(String(input), 'http://box');
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const raw = init?.body;
    const isJson = headers['Content-Type'] === 'application/json';
    const call: Call = { method: init?.method ?? 'GET', path: u.pathname.replace(/^\/api\/v1/, ''), query: u.searchParams, body: raw === undefined || raw === null ? undefined : isJson ? JSON.parse(String(raw)) : raw, contentType: headers['Content-Type'] };
    calls.push(call);
    let r: Answer;
    if (call.path === '/auth/me') r = { body: { kind: 'user', name: 'admin', mustChangePassword: false, permissions, user: { username: 'admin', role: 'admin' } } };
    else r = handler(call);
    r ??= { status: 404, body: { error: { code: 'not_found', message: `no ${call.path}` } } };
    if (r.text !== undefined) return new Response(r.text, { status: r.status ?? 200, headers: { 'Content-Type': r.contentType ?? 'text/plain' } });
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
}
const writes = () => calls.filter((c) => c.method !== 'GET');
const list = <T,>(items: T[]) => ({ body: { items, total: items.length, limit: 1000, offset: 0 } });

const VENDORS = [
  {
    vendor: 'yealink',
    label: 'Yealink',
    models: [
      { name: 'T46S', keys: 10, accounts: 16, builtIn: true },
      { name: 'T54W', keys: 10, accounts: 16, builtIn: true },
    ],
    files: [{ id: 'device', description: 'Configuration of one phone', format: 'text' }],
    commonFiles: [{ id: 'common', example: 'y000000000044.cfg', description: 'Model bootstrap' }],
    templates: { device: '#!version:1.0.0.1\naccount.1.user_name = {{line1.account}}\n', common: '#!version:1.0.0.1\n' },
    notify: { resync: 'check-sync;reboot=false', reboot: 'check-sync;reboot=true' },
  },
  { vendor: 'snom', label: 'Snom', models: [{ name: 'D785', keys: 24, accounts: 12, builtIn: true }], files: [], commonFiles: [], templates: {}, notify: { resync: 'check-sync', reboot: 'check-sync;reboot=true' } },
];
const EXTENSIONS = [
  { number: '201', name: 'Mario Rossi', devices: [{ username: '201' }, { username: '201-desk' }] },
  { number: '202', name: 'Anna Bianchi', devices: [{ username: '202' }] },
  { number: '203', name: 'No Phone', devices: [] },
];
const PHONE = {
  mac: '001565aabbcc',
  vendor: 'yealink',
  model: 'T46S',
  description: 'Reception',
  lines: [{ account: '201' }],
  keys: [{ type: 'blf', extension: '202' }],
  adminPassword: 'Adm1n-Strong-Pw',
  vars: {},
};

/** The calls every phone editor makes for its pickers. */
function refs(c: Call): Answer {
  if (c.path === '/provisioning/vendors') return { body: { items: VENDORS } };
  if (c.path === '/extensions') return list(EXTENSIONS);
  if (c.path === '/phones' && c.method === 'GET') return list([{ ...PHONE, mac: '00156500ff01', lines: [{ account: '202' }] }]);
  if (c.path === '/switches') return list([{ name: 'night' }]);
  if (c.path === '/services') return { body: { parking: { enabled: true, number: '700', firstSlot: '701', slots: 3 } } };
  if (c.path === '/phone-templates') return list([]);
  if (c.path === '/passwords/generate') return { body: { password: 'Gen3rated-Phone-Pw' } };
  return undefined;
}

beforeEach(() => {
  localStorage.setItem('pbx.lang', 'en');
  FakeEventSource.instances = [];
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
  installDialog();
  resetVendorCatalogue();
});
afterEach(() => {
  cleanup();
  closeEvents();
  vi.restoreAllMocks();
  history.replaceState(null, '', '/');
});

// ---- MAC addresses -----------------------------------------------------------------------------------

describe('MAC addresses', () => {
  it('accepts the usual notations and refuses what is no phone', () => {
    for (const s of ['00:15:65:AA:BB:CC', '00-15-65-aa-bb-cc', '001565aabbcc', '0015.65aa.bbcc', ' 00:15:65:aa:bb:cc ']) expect(normalizeMac(s)).toBe('001565aabbcc');
    expect(macProblem('')).toBe('empty');
    expect(macProblem('00:15:65:aa:bb')).toBe('format');
    expect(macProblem('00:15-65:aa:bb:cc')).toBe('format');
    expect(macProblem('00:15:65:aa:bb:cg')).toBe('format');
    expect(macProblem('00:00:00:00:00:00')).toBe('zero');
    expect(macProblem('ff:ff:ff:ff:ff:ff')).toBe('broadcast');
    expect(macProblem('01:00:5e:00:00:01')).toBe('multicast');
    expect(formatMac('001565aabbcc')).toBe('00:15:65:AA:BB:CC');
  });
});

// ---- the wizard --------------------------------------------------------------------------------------

async function toMacStep() {
  const vendor = (await screen.findByTestId('phone-wizard-vendor')) as HTMLSelectElement;
  await within(vendor).findByRole('option', { name: 'Yealink' });
  fireEvent.change(vendor, { target: { value: 'yealink' } });
  fireEvent.change(screen.getByTestId('phone-wizard-model'), { target: { value: 'T46S' } });
  fireEvent.click(screen.getByTestId('phone-wizard-next'));
  return (await screen.findByTestId('phone-wizard-mac')) as HTMLInputElement;
}

describe('add-phone wizard', () => {
  it('checks the MAC as it is typed and does not go on with a wrong one', async () => {
    mockApi((c) => refs(c));
    history.replaceState(null, '', '/phones/new');
    wrap(<PhoneWizard />);
    // Vendor and model first: nothing chosen, nothing goes on.
    fireEvent.click(await screen.findByTestId('phone-wizard-next'));
    expect(await screen.findByText('Choose the vendor.', { selector: '.field-error' })).toBeTruthy();
    const mac = await toMacStep();

    // Too short to judge yet: no error while typing.
    fireEvent.change(mac, { target: { value: '00:15:65' } });
    expect(screen.queryByText(/Not a MAC address/)).toBeNull();
    // A character that is never part of a MAC: said at once.
    fireEvent.change(mac, { target: { value: '00:15:65:zz' } });
    expect(screen.getByText(/Not a MAC address/, { selector: '.field-error' })).toBeTruthy();
    expect(mac.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(mac, { target: { value: '01:00:5e:00:00:01' } });
    expect(screen.getByText(/multicast address/, { selector: '.field-error' })).toBeTruthy();
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    expect(screen.getByTestId('phone-wizard-mac')).toBeTruthy();
    expect(screen.queryByTestId('phone-wizard-line-0')).toBeNull();
    // Nothing asked of the API for a MAC that cannot be one.
    expect(calls.some((c) => c.path.startsWith('/phones/0'))).toBe(false);

    fireEvent.change(mac, { target: { value: '00-15-65-aa-bb-cc' } });
    expect(screen.queryByText(/multicast/)).toBeNull();
    expect(screen.getByTestId('phone-wizard-mac-status').textContent).toBe('Valid: 00:15:65:AA:BB:CC');
    expect(mac.getAttribute('aria-invalid')).toBeNull();
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    // The free MAC (404) leads on to the lines.
    const line = (await screen.findByTestId('phone-wizard-line-0')) as HTMLSelectElement;
    expect(calls.some((c) => c.method === 'GET' && c.path === '/phones/001565aabbcc')).toBe(true);
    // Devices grouped by extension; one already on another phone is marked; no-device extensions left out.
    await within(line).findByRole('option', { name: '201-desk' });
    expect(within(line).getByRole('option', { name: /^202 — on 00:15:65:00:FF:01$/ })).toBeTruthy();
    expect(line.querySelectorAll('optgroup').length).toBe(2);
  });

  it('refuses a MAC that is configured already before the lines', async () => {
    mockApi((c) => (c.path === '/phones/001565aabbcc' ? { body: PHONE } : refs(c)));
    wrap(<PhoneWizard />);
    const mac = await toMacStep();
    fireEvent.change(mac, { target: { value: '001565AABBCC' } });
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    expect(await screen.findByText('Phone 00:15:65:AA:BB:CC is configured already: open it from the list to change it.', { selector: '.field-error' })).toBeTruthy();
    expect(screen.queryByTestId('phone-wizard-line-0')).toBeNull();
  });

  it('creates the phone with the lines, keys and settings of the steps, then opens it', async () => {
    mockApi((c) => {
      if (c.path === '/phones' && c.method === 'POST') return { status: 201, body: { item: { ...(c.body as object), mac: '001565aabbcc' }, revision: 5, apply: { ok: true } } };
      return refs(c);
    });
    history.replaceState(null, '', '/phones/new');
    wrap(<PhoneWizard />);
    fireEvent.change(await toMacStep(), { target: { value: '00:15:65:AA:BB:CC' } });
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    const line = (await screen.findByTestId('phone-wizard-line-0')) as HTMLSelectElement;
    await within(line).findByRole('option', { name: '201-desk' });
    // No device chosen: the step says so.
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    expect(await screen.findByText('Choose a device of an extension.', { selector: '.field-error' })).toBeTruthy();
    fireEvent.change(line, { target: { value: '201-desk' } });
    expect(screen.getByText('Extension 201 · Mario Rossi')).toBeTruthy();
    fireEvent.click(screen.getByTestId('phone-wizard-next'));

    // Keys: a BLF on 202 and a speed dial that needs its label.
    fireEvent.change(await screen.findByTestId('phone-wizard-key-add-type'), { target: { value: 'blf' } });
    fireEvent.click(screen.getByTestId('phone-wizard-key-add'));
    const blf = (await screen.findByTestId('phone-wizard-key-0-value')) as HTMLSelectElement;
    await within(blf).findByRole('option', { name: '202 · Anna Bianchi' });
    fireEvent.change(blf, { target: { value: '202' } });
    fireEvent.change(screen.getByTestId('phone-wizard-key-add-type'), { target: { value: 'speedDial' } });
    fireEvent.click(screen.getByTestId('phone-wizard-key-add'));
    fireEvent.change(screen.getByTestId('phone-wizard-key-1-value'), { target: { value: '+390612345678' } });
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    expect(await screen.findByText('A speed dial needs a label.', { selector: '.field-error' })).toBeTruthy();
    fireEvent.change(screen.getByTestId('phone-wizard-key-1-label'), { target: { value: 'Head office' } });
    // The speed dial first: reordered with its arrow.
    fireEvent.click(screen.getByRole('button', { name: 'Move Key 2 up' }));
    fireEvent.click(screen.getByTestId('phone-wizard-next'));

    // Settings: the admin password is generated, hidden until asked, then shown.
    const pw = (await screen.findByTestId('phone-wizard-admin-password')) as HTMLInputElement;
    await waitFor(() => expect(pw.value).toBe('Gen3rated-Phone-Pw'));
    expect(pw.type).toBe('password');
    fireEvent.click(screen.getByTestId('phone-wizard-admin-password-show'));
    expect(pw.type).toBe('text');
    fireEvent.change(screen.getByTestId('phone-wizard-language'), { target: { value: 'it' } });
    fireEvent.change(screen.getByTestId('phone-wizard-timezone'), { target: { value: 'Europe/Rome' } });
    fireEvent.click(screen.getByTestId('phone-wizard-create'));
    await waitFor(() => expect(location.pathname).toBe('/phones/001565aabbcc'));
    const post = writes().find((c) => c.path === '/phones')!;
    expect(post.body).toEqual({
      mac: '001565aabbcc',
      vendor: 'yealink',
      model: 'T46S',
      lines: [{ account: '201-desk' }],
      keys: [
        { type: 'speedDial', number: '+390612345678', label: 'Head office' },
        { type: 'blf', extension: '202' },
      ],
      language: 'it',
      timezone: 'Europe/Rome',
      adminPassword: 'Gen3rated-Phone-Pw',
      vars: {},
    });
  });

  it('sends a field the API refuses back to its step', async () => {
    mockApi((c) => {
      if (c.path === '/phones' && c.method === 'POST') return { status: 400, body: { error: { code: 'validation_failed', message: 'the phone is invalid', fields: [{ path: 'lines[0].account', message: 'device 201 is on phone 00:15:65:00:ff:01' }] } } };
      return refs(c);
    });
    history.replaceState(null, '', '/phones/new?mac=001565aabbcc&vendor=yealink&model=T46S');
    wrap(<PhoneWizard />);
    // Adopted: vendor, model and MAC come from the discovered phone.
    const vendor = (await screen.findByTestId('phone-wizard-vendor')) as HTMLSelectElement;
    expect(vendor.value).toBe('yealink');
    expect((screen.getByTestId('phone-wizard-model') as HTMLInputElement).value).toBe('T46S');
    await screen.findByText('Known model: 10 programmable keys, 16 accounts.');
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    expect(((await screen.findByTestId('phone-wizard-mac')) as HTMLInputElement).value).toBe('00:15:65:AA:BB:CC');
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    const line = (await screen.findByTestId('phone-wizard-line-0')) as HTMLSelectElement;
    await within(line).findByRole('option', { name: '201-desk' });
    fireEvent.change(line, { target: { value: '201' } });
    fireEvent.click(screen.getByTestId('phone-wizard-next'));
    fireEvent.click(await screen.findByTestId('phone-wizard-next'));
    const pw = (await screen.findByTestId('phone-wizard-admin-password')) as HTMLInputElement;
    await waitFor(() => expect(pw.value).not.toBe(''));
    fireEvent.click(screen.getByTestId('phone-wizard-create'));
    expect(await screen.findByText('device 201 is on phone 00:15:65:00:ff:01', { selector: '.field-error' })).toBeTruthy();
    expect(screen.getByTestId('phone-wizard-line-0')).toBeTruthy();
  });

  it('gives an unlisted model the generic files, and leaves out what is not set', () => {
    const d = { ...emptyDraft(), mac: '00:15:65:aa:bb:cc', vendor: 'yealink' as const, model: ' T99X ', lines: [{ account: '201', label: ' ' }] };
    expect(phoneBody(d)).toEqual({ mac: '001565aabbcc', vendor: 'yealink', model: 'T99X', lines: [{ account: '201' }], keys: [], vars: {} });
  });
});

// ---- the list --------------------------------------------------------------------------------------

function listApi(extra: (c: Call) => Answer = () => undefined) {
  mockApi((c) => {
    const x = extra(c);
    if (x) return x;
    if (c.path === '/phones' && c.method === 'GET') return { body: { items: [PHONE], total: 1, limit: 50, offset: 0 } };
    if (c.path === '/provisioning/info') return { body: { httpUrl: 'http://192.0.2.10:8080/provisioning/', httpsUrl: 'https://192.0.2.10:8443/provisioning/', tftp: { address: '192.0.2.10', port: 69 }, option66: 'http://192.0.2.10:8080/provisioning/', address: '192.0.2.10' } };
    if (c.path === '/provisioning/discovered') return { body: { items: [{ mac: '00156511aa22', vendor: 'yealink', model: 'T54W', userAgent: 'Yealink SIP-T54W 96.86.0.70 00:15:65:11:aa:22', source: '192.0.2.77', firstSeen: '2026-03-01T10:00:00Z', lastSeen: '2026-03-01T10:05:00Z', requests: 3, lastFile: '00156511aa22.cfg' }] } };
    return refs(c);
  });
}

describe('phones list', () => {
  it('shows the phones, the option 66 value with the URLs, and adopts a discovered phone', async () => {
    listApi((c) => (c.method === 'DELETE' ? { status: 204 } : undefined));
    history.replaceState(null, '', '/phones');
    wrap(<Phones />);
    const row = await screen.findByTestId('phone-row-001565aabbcc');
    expect(within(row).getByRole('link', { name: '00:15:65:AA:BB:CC' }).getAttribute('href')).toBe('/phones/001565aabbcc');
    expect(row.textContent).toContain('Yealink');
    expect(row.textContent).toContain('Reception');
    expect((await screen.findByTestId('option66')).textContent).toBe('http://192.0.2.10:8080/provisioning/');
    expect(screen.getByTestId('provisioning-https-url').textContent).toBe('https://192.0.2.10:8443/provisioning/');
    expect(screen.getByTestId('provisioning-tftp').textContent).toBe('192.0.2.10');
    const adopt = (await screen.findByTestId('adopt-00156511aa22')) as HTMLAnchorElement;
    expect(adopt.getAttribute('href')).toBe('/phones/new?mac=00156511aa22&vendor=yealink&model=T54W');
    fireEvent.click(screen.getByTestId('forget-00156511aa22'));
    await waitFor(() => expect(screen.queryByTestId('discovered-00156511aa22')).toBeNull());
    expect(writes().at(-1)).toMatchObject({ method: 'DELETE', path: '/provisioning/discovered/00156511aa22' });
  });

  it('shows every row the import refused, and says nothing was imported', async () => {
    listApi((c) =>
      c.path === '/phones/import'
        ? {
            status: 400,
            body: {
              error: {
                code: 'validation_failed',
                message: '2 rows are invalid; nothing was imported',
                fields: [
                  { path: 'line[3].mac', line: 3, message: 'a MAC address such as 00:15:65:aa:bb:cc' },
                  { path: 'line[5].lines', line: 5, message: 'no device 299' },
                ],
              },
            },
          }
        : undefined,
    );
    wrap(<Phones />);
    const input = (await screen.findByTestId('phone-import-file')) as HTMLInputElement;
    const csv = 'mac,vendor,model,lines\nzz,yealink,T46S,201\n';
    fireEvent.change(input, { target: { files: [new File([csv], 'phones.csv', { type: 'text/csv' })] } });
    const table = await screen.findByTestId('phone-import-errors');
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell').map((td) => td.textContent));
    expect(rows).toEqual([
      ['3', 'mac', 'a MAC address such as 00:15:65:aa:bb:cc'],
      ['5', 'lines', 'no device 299'],
    ]);
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Line', 'Column', 'Reason']);
    expect(screen.getByTestId('phone-import-error').textContent).toMatch(/^Nothing was imported/);
    const post = writes().find((c) => c.path === '/phones/import')!;
    expect(post.contentType).toBe('text/csv');
    expect(post.body).toBe(csv);
  });

  it('sends an XLSX file as its bytes and reports what was imported', async () => {
    listApi((c) => (c.path === '/phones/import' ? { body: { created: 2, updated: 1, unchanged: 0, revision: 9 } } : undefined));
    wrap(<Phones />);
    const input = (await screen.findByTestId('phone-import-file')) as HTMLInputElement;
    const file = new File([new Uint8Array([0x50, 0x4b, 3, 4])], 'phones.xlsx');
    fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId('phone-import-status').textContent).toBe('Imported: 2 added, 1 replaced, 0 unchanged.'));
    const post = writes().find((c) => c.path === '/phones/import')!;
    expect(post.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(post.body).toBe(file);
    expect(screen.queryByTestId('phone-import-errors')).toBeNull();
  });

  it('resyncs all phones after asking, and lists those not reached', async () => {
    listApi((c) => (c.path === '/provisioning/notify' ? { body: { results: [{ mac: '001565aabbcc', account: '201', ok: true }, { mac: '00156500ff01', account: '202', ok: false, error: 'not registered' }] } } : undefined));
    wrap(<Phones />);
    fireEvent.click(await screen.findByTestId('phone-resync-all'));
    await confirmDialog('Resync all phones');
    const failed = await screen.findByTestId('notify-failures');
    expect(failed.textContent).toContain('00:15:65:00:FF:01 (202): not registered');
    expect(writes().find((c) => c.path === '/provisioning/notify')!.body).toEqual({ action: 'resync', all: true });
  });

  it('reads the import errors whatever the path notation', () => {
    expect(importErrors([{ path: 'line[7].keys', message: 'x' }, { path: 'file', message: 'too big' }])).toEqual([
      { line: 7, field: 'keys', message: 'x' },
      { field: 'file', message: 'too big' },
    ]);
    expect(importErrors([{ path: ['line', 4, 'model'], message: 'y' } as never])).toEqual([{ line: 4, field: 'model', message: 'y' }]);
  });

  it('hides what a read-only role cannot do', async () => {
    mockApi((c) => (c.path === '/phones' && c.method === 'GET' ? { body: { items: [PHONE], total: 1, limit: 50, offset: 0 } } : c.path === '/provisioning/discovered' ? { body: { items: [] } } : refs(c)), { provisioning: 'read' });
    wrap(<Phones />);
    await screen.findByTestId('phone-row-001565aabbcc');
    expect(screen.queryByTestId('phone-add')).toBeNull();
    expect(screen.queryByTestId('phone-import-file')).toBeNull();
    expect(screen.queryByTestId('phone-resync-all')).toBeNull();
    expect(screen.getByTestId('phone-export-csv').getAttribute('href')).toBe('/api/v1/phones/export?format=csv');
  });
});

// ---- a phone's page ----------------------------------------------------------------------------------

// What the box serves: XML-like markup, entities, trailing spaces, tabs, no final trimming.
const BODY = '#!version:1.0.0.1\naccount.1.password = a<b>&"c\'\n  indented = 1  \n\tx = <tag attr="v"/>\n\n';

function phoneApi(extra: (c: Call) => Answer = () => undefined) {
  mockApi((c) => {
    const x = extra(c);
    if (x) return x;
    if (c.path === '/phones/001565aabbcc' && c.method === 'GET') return { body: PHONE };
    if (c.path === '/phones/001565aabbcc/files') return { body: { mac: '001565aabbcc', files: [{ file: 'device', name: '001565aabbcc.cfg', description: 'Configuration of one phone', url: 'http://192.0.2.10:8080/provisioning/001565aabbcc.cfg' }] } };
    if (c.path === '/phones/001565aabbcc/files/device') return { text: BODY };
    if (c.path === '/provisioning/requests') return { body: { items: [{ id: 7, at: '2026-03-01T10:00:00Z', protocol: 'http', source: '192.0.2.77', mac: '001565aabbcc', vendor: 'yealink', model: 'T46S', file: '001565aabbcc.cfg', result: 'served', status: 200, bytes: 812 }] } };
    return refs(c);
  });
}

describe('phone page', () => {
  it('shows a file exactly as the phone receives it', async () => {
    phoneApi();
    wrap(<PhonePage mac="00:15:65:AA:BB:CC" />);
    const pre = await screen.findByTestId('phone-file-preview');
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe(BODY);
    expect(pre.className).toContain('mono');
    // Fetched as text from the file's own URL (the MAC written as the API keeps it).
    expect(calls.some((c) => c.path === '/phones/001565aabbcc/files/device')).toBe(true);
    expect(screen.getByText('Preview: 001565aabbcc.cfg')).toBeTruthy();
    // The phone's recent requests.
    const req = await screen.findByTestId('request-7');
    expect(req.textContent).toContain('Served');
    expect(req.textContent).toContain('001565aabbcc.cfg');
  });

  it('edits the phone with the wizard parts and saves it whole', async () => {
    phoneApi((c) => (c.method === 'PUT' ? { body: { item: c.body, revision: 3, apply: { ok: true } } } : undefined));
    wrap(<PhonePage mac="001565aabbcc" />);
    const desc = (await screen.findByLabelText('Description')) as HTMLInputElement;
    expect(desc.value).toBe('Reception');
    expect(((await screen.findByTestId('phone-key-0-value')) as HTMLSelectElement).value).toBe('202');
    fireEvent.change(desc, { target: { value: 'Front desk' } });
    expect(screen.getByText('Unsaved changes.')).toBeTruthy();
    fireEvent.click(screen.getByTestId('phone-save'));
    await screen.findByText('Phone 00:15:65:AA:BB:CC saved and applied.');
    const put = writes().find((c) => c.method === 'PUT')!;
    expect(put.path).toBe('/phones/001565aabbcc');
    expect(put.body).toEqual({ mac: '001565aabbcc', vendor: 'yealink', model: 'T46S', description: 'Front desk', lines: [{ account: '201' }], keys: [{ type: 'blf', extension: '202' }], adminPassword: 'Adm1n-Strong-Pw', vars: {} });
  });

  it('says whether the resync reached the phone', async () => {
    phoneApi((c) => (c.path === '/phones/001565aabbcc/resync' ? { body: { results: [{ mac: '001565aabbcc', ok: false, error: 'not registered' }] } } : undefined));
    wrap(<PhonePage mac="001565aabbcc" />);
    fireEvent.click(await screen.findByTestId('phone-resync'));
    await waitFor(() => expect(screen.getByTestId('phone-notify-result').textContent).toBe('The phone was not reached: not registered. It gets its files at its next start or periodic check.'));
  });

  it('shows no file to a read-only role (the files hold passwords)', async () => {
    mockApi((c) => (c.path === '/phones/001565aabbcc' ? { body: PHONE } : c.path === '/phones/001565aabbcc/files' ? { body: { mac: PHONE.mac, files: [{ file: 'device', name: '001565aabbcc.cfg', description: 'x', url: 'u' }] } } : c.path === '/provisioning/requests' ? { body: { items: [] } } : refs(c)), { provisioning: 'read' });
    wrap(<PhonePage mac="001565aabbcc" />);
    await screen.findByText('The files hold the phone\'s passwords: only users who may change phones can see them.');
    expect(screen.queryByTestId('phone-file-preview')).toBeNull();
    expect(screen.queryByTestId('phone-save')).toBeNull();
    expect(calls.some((c) => c.path === '/phones/001565aabbcc/files/device')).toBe(false);
  });
});

// ---- request log -------------------------------------------------------------------------------------

describe('request log', () => {
  it('filters by MAC in any notation and pages to older entries', async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ id: 500 - i, at: '2026-03-01T10:00:00Z', protocol: 'tftp', source: '192.0.2.9', file: 'x.cfg', result: 'unknown-phone', status: 404, bytes: 0 }));
    mockApi((c) => (c.path === '/provisioning/requests' ? { body: { items: c.query.get('before') ? items.slice(0, 3) : items } } : refs(c)));
    history.replaceState(null, '', '/phones/requests');
    wrap(<PhoneRequests />);
    await screen.findByTestId('request-500');
    fireEvent.change(screen.getByTestId('log-mac'), { target: { value: '00:15:65:AA:BB:CC' } });
    fireEvent.change(screen.getByTestId('log-result'), { target: { value: 'unknown-phone' } });
    fireEvent.click(screen.getByTestId('log-filter'));
    await waitFor(() => expect(location.search).toBe('?mac=001565aabbcc&result=unknown-phone'));
    await waitFor(() => {
      const q = calls.filter((c) => c.path === '/provisioning/requests').at(-1)!.query;
      expect(q.get('mac')).toBe('001565aabbcc');
      expect(q.get('result')).toBe('unknown-phone');
    });
    fireEvent.click(await screen.findByTestId('log-older'));
    await waitFor(() => expect(calls.filter((c) => c.path === '/provisioning/requests').at(-1)!.query.get('before')).toBe('401'));
    expect((await screen.findByTestId('request-500')).textContent).toContain('Unknown phone');
  });
});

// ---- templates ---------------------------------------------------------------------------------------

describe('templates', () => {
  it('copies a built-in file into the editor and saves the template', async () => {
    mockApi((c) => {
      if (c.path === '/phone-templates' && c.method === 'POST') return { status: 201, body: { item: c.body, revision: 4 } };
      return refs(c);
    });
    history.replaceState(null, '', '/phones/templates/new');
    wrap(<PhoneTemplateEdit />);
    const vendor = (await screen.findByTestId('template-vendor')) as HTMLSelectElement;
    await within(vendor).findByRole('option', { name: 'Yealink' });
    fireEvent.change(screen.getByTestId('template-name'), { target: { value: 'lobby' } });
    fireEvent.change(vendor, { target: { value: 'yealink' } });
    fireEvent.click(screen.getByLabelText('T54W'));
    fireEvent.change(screen.getByTestId('template-other-models'), { target: { value: 'T99X' } });
    expect((screen.getByTestId('template-builtin') as HTMLSelectElement).value).toBe('device');
    fireEvent.click(screen.getByTestId('template-copy-builtin'));
    const text = (await screen.findByTestId('template-text-0')) as HTMLTextAreaElement;
    expect(text.value).toBe(VENDORS[0]!.templates.device);
    fireEvent.change(text, { target: { value: text.value + 'lang.gui = {{vars.lang}}\n' } });
    fireEvent.click(screen.getByTestId('template-var-add'));
    fireEvent.change(screen.getByTestId('template-var-name-0'), { target: { value: 'lang' } });
    fireEvent.change(screen.getByTestId('template-var-value-0'), { target: { value: 'Italian' } });
    fireEvent.click(screen.getByTestId('template-save'));
    await waitFor(() => expect(location.pathname).toBe('/phones/templates/lobby'));
    expect(writes().find((c) => c.path === '/phone-templates')!.body).toEqual({
      name: 'lobby',
      vendor: 'yealink',
      models: ['T54W', 'T99X'],
      files: [{ file: 'device', template: VENDORS[0]!.templates.device + 'lang.gui = {{vars.lang}}\n' }],
      vars: { lang: 'Italian' },
    });
  });
});

// ---- settings ----------------------------------------------------------------------------------------

describe('provisioning settings', () => {
  it('patches the settings, an emptied address as null, and shows a refused field next to it', async () => {
    let stored: Record<string, unknown> = { address: 'pbx.example.com', transport: 'udp', resyncMinutes: 1440, ldap: true, xmlPhonebook: true };
    mockApi((c) => {
      if (c.path === '/provisioning/settings' && c.method === 'GET') return { body: stored };
      if (c.path === '/provisioning/settings' && c.method === 'PATCH') {
        const b = c.body as Record<string, unknown>;
        if (b.resyncMinutes === 99999) return { status: 400, body: { error: { code: 'validation_failed', message: 'the provisioning settings are invalid', fields: [{ path: 'resyncMinutes', message: 'at most 10080' }] } } };
        const { address, ...rest } = b;
        stored = { ...stored, ...rest };
        if (address === null) delete stored.address;
        return { body: { item: stored, revision: 2, apply: { ok: true } } };
      }
      if (c.path === '/provisioning/info') return { body: { httpUrl: 'http://192.0.2.10:8080/provisioning/', option66: 'http://192.0.2.10:8080/provisioning/', address: '192.0.2.10' } };
      return undefined;
    });
    wrap(<ProvisioningSettings />);
    const address = (await screen.findByTestId('ps-address')) as HTMLInputElement;
    expect(address.value).toBe('pbx.example.com');
    fireEvent.change(screen.getByTestId('ps-resync'), { target: { value: '99999' } });
    fireEvent.click(screen.getByTestId('ps-save'));
    const err = await screen.findByText('at most 10080', { selector: '.field-error' });
    expect(err.id).toBe('ps-resync-err');
    fireEvent.change(screen.getByTestId('ps-resync'), { target: { value: '60' } });
    fireEvent.change(address, { target: { value: '' } });
    fireEvent.click(screen.getByLabelText('XML phonebook'));
    fireEvent.click(screen.getByTestId('ps-save'));
    await screen.findByText('Provisioning settings saved and applied.');
    expect(writes().at(-1)!.body).toEqual({ transport: 'udp', resyncMinutes: 60, ldap: true, xmlPhonebook: false, address: null });
    expect(address.value).toBe('');
  });
});

// ---- menu --------------------------------------------------------------------------------------------

describe('menu', () => {
  it('lists Phones under Telephony for a role with provisioning', async () => {
    mockApi(() => undefined, { provisioning: 'read' });
    wrap(<Layout>x</Layout>);
    const link = await screen.findByRole('link', { name: 'Phones' });
    expect(link.getAttribute('href')).toBe('/phones');
    expect(link.closest('.nav-group')!.querySelector('h2')!.textContent).toBe('Telephony');
  });
  it('has no Phones entry without the section', async () => {
    mockApi(() => undefined, { extensions: 'read' });
    wrap(<Layout>x</Layout>);
    await screen.findByRole('link', { name: 'Extensions' });
    expect(screen.queryByRole('link', { name: 'Phones' })).toBeNull();
  });
});
