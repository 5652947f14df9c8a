// Call records, privacy and the issue-9 settings pages against a mocked API: the CDR table's
// keyset paging ("more" sends the cursor and appends), filters and sorting as the API's query,
// export links carrying the filters, masked numbers said as such, legal holds for the privacy
// officer only; the privacy page's unlock flow (refusal shown, then unlocked state and lock),
// setting a key; retention run and the menu entries by role.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeEvents } from '../src/lib/events.ts';
import { Layout } from '../src/components/Layout.tsx';
import { CallRecords, MyCalls, cdrQuery, dispositionKey, otherParty, sortQuery, NO_FILTERS } from '../src/pages/Cdr.tsx';
import { Privacy, privacyState } from '../src/pages/Privacy.tsx';
import { Retention, SnmpSettings } from '../src/pages/CdrAdmin.tsx';
import { FakeEventSource } from './fake-event-source.ts';
import { confirmDialog, installDialog, mockFetch, wrap, type Answer, type Call } from './helpers.tsx';

let calls: Call[] = [];
const ADMIN = { cdr: 'write', system: 'write', phonebook: 'write', extensions: 'write' };
const OFFICER = { cdr: 'read', recordings: 'write', privacy: 'write', audit: 'read' };

function mockApi(handler: (c: Call) => Answer, permissions: Record<string, string> = ADMIN, extra: Record<string, unknown> = {}) {
  calls = mockFetch(handler, { me: { kind: 'user', name: 'u', mustChangePassword: false, permissions, user: { username: 'u', role: 'x', ...extra } } });
}
const gets = (path: string) => calls.filter((c) => c.method === 'GET' && c.path === path);

beforeEach(() => {
  localStorage.setItem('pbx.lang', 'en');
  FakeEventSource.instances = [];
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
  installDialog();
});
afterEach(() => {
  cleanup();
  closeEvents();
  vi.restoreAllMocks();
  history.replaceState(null, '', '/');
});

// ---- rows as GET /cdr answers them -----------------------------------------------------------------

function row(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: n,
    uniqueId: `u${n}`,
    linkedId: `l${n}`,
    sequence: 1,
    start: new Date(Date.UTC(2026, 10, 20, 10, n)).toISOString(),
    end: new Date(Date.UTC(2026, 10, 20, 10, n, 30)).toISOString(),
    duration: 30 + n,
    billsec: 20 + n,
    callerNumber: '+390212345xxx',
    callerName: '',
    calledNumber: '201',
    calledName: 'Anna',
    did: '',
    extensions: '201',
    trunk: 'carrier',
    direction: 'in',
    disposition: n % 2 ? 'NO ANSWER' : 'ANSWERED',
    route: 'in/0212345>queue/sales>ext/201',
    accountCode: '',
    channel: '',
    dstChannel: '',
    lastApp: 'Dial',
    masked: true,
    ...extra,
  };
}

describe('pure helpers', () => {
  it('turns filters into the API query: whole days, cleaned number, empties left out', () => {
    const q = cdrQuery({ ...NO_FILTERS, from: '2026-11-01', to: '2026-11-02', number: '+39 02 (123)', direction: 'in', trunk: ' ' });
    expect(q.from).toBe(new Date('2026-11-01T00:00:00').toISOString());
    expect(q.to).toBe(new Date(new Date('2026-11-02T00:00:00').getTime() + 86_400_000).toISOString());
    expect(q.number).toBe('+3902123');
    expect(q.direction).toBe('in');
    expect('trunk' in q).toBe(false);
    expect(sortQuery('-duration')).toEqual({ sort: 'duration', order: 'desc' });
    expect(sortQuery('start')).toEqual({ sort: 'start', order: 'asc' });
    expect(dispositionKey('NO ANSWER')).toBe('noAnswer');
    expect(otherParty({ direction: 'internal', callerNumber: '201', calledNumber: '202', calledName: 'Bruno' }, '201')).toEqual({ number: '202', name: 'Bruno' });
  });
  it('reads the privacy status', () => {
    expect(privacyState({ unlocked: false, unlockedKeys: [], idleLockMinutes: 30 })).toMatchObject({ keySet: false, unlocked: false });
    const s = privacyState({ key: { fingerprint: 'ABCD', mode: 'passphrase', createdAt: '2026-11-01T00:00:00Z', createdBy: 'po', userIds: [], algorithm: 'curve25519' }, unlocked: true, unlockedKeys: ['ABCD'], idleLockMinutes: 30, reencryption: { state: 'running', reason: 'change', total: 10, done: 4, failed: 0, startedAt: 'x' } });
    expect(s).toMatchObject({ keySet: true, fingerprint: 'ABCD', kind: 'passphrase', unlocked: true, progress: { done: 4, total: 10, running: true } });
  });
});

describe('call records', () => {
  it('pages with the cursor, filters, sorts and exports with the filters', async () => {
    mockApi((c) => {
      if (c.path !== '/cdr') return undefined;
      const cursor = c.query.get('cursor');
      if (c.query.get('number') === '0212345xxx') return { body: { items: [row(9)], total: 1 } };
      if (!cursor) return { body: { items: [row(1), row(2)], total: 3, next: 'c2' } };
      if (cursor === 'c2') return { body: { items: [row(3)], total: 3 } };
      return undefined;
    });
    wrap(<CallRecords />);
    const table = await screen.findByTestId('cdr-table');
    await waitFor(() => expect(within(table).getAllByTestId('cdr-row')).toHaveLength(2));
    // The first page: newest first, the default limit.
    const first = gets('/cdr')[0]!;
    expect(first.query.get('sort')).toBe('start');
    expect(first.query.get('order')).toBe('desc');
    expect(first.query.get('limit')).toBe('50');
    expect(first.query.has('cursor')).toBe(false);
    // Masked numbers are shown as the API gave them, and said to be masked; the admin is told why.
    expect(within(table).getAllByText('+390212345xxx')).toHaveLength(2);
    expect(within(table).getAllByTestId('cdr-masked')).toHaveLength(2);
    expect(screen.getByTestId('cdr-mask-note').getAttribute('data-mask')).toBe('admin');
    expect(within(table).getByText('No answer')).toBeTruthy();
    // The admin has no legal-hold column.
    expect(within(table).queryByTestId('cdr-hold')).toBeNull();
    expect(screen.getByTestId('cdr-count').textContent).toBe('2 of 3 calls shown');

    // "More" asks for the next page by its cursor and appends it.
    fireEvent.click(screen.getByTestId('cdr-more'));
    await waitFor(() => expect(within(table).getAllByTestId('cdr-row')).toHaveLength(3));
    expect(gets('/cdr')[1]!.query.get('cursor')).toBe('c2');
    expect(screen.queryByTestId('cdr-more')).toBeNull();
    expect(screen.getByTestId('cdr-count').textContent).toBe('3 of 3 calls shown');

    // A filter starts over from the first page (no cursor) with the filter in the query.
    fireEvent.change(screen.getByTestId('cdr-filter-number'), { target: { value: '02 12345xxx' } });
    fireEvent.click(screen.getByTestId('cdr-search'));
    await waitFor(() => expect(within(table).getAllByTestId('cdr-row')).toHaveLength(1));
    const filtered = gets('/cdr').at(-1)!;
    expect(filtered.query.get('number')).toBe('0212345xxx');
    expect(filtered.query.has('cursor')).toBe(false);
    // The export links carry the same filters and order, for the browser to stream.
    const csv = new URL(screen.getByTestId('cdr-export-csv').getAttribute('href')!, 'http://box');
    expect(csv.pathname).toBe('/api/v1/cdr/export');
    expect(csv.searchParams.get('format')).toBe('csv');
    expect(csv.searchParams.get('number')).toBe('0212345xxx');
    expect(csv.searchParams.get('order')).toBe('desc');
    expect(screen.getByTestId('cdr-export-xlsx').getAttribute('href')).toContain('format=xlsx');

    // Sorting by duration: longest first, then the other way round.
    fireEvent.click(within(table).getByRole('button', { name: 'Sort by Duration' }));
    await waitFor(() => expect(gets('/cdr').at(-1)!.query.get('sort')).toBe('duration'));
    expect(gets('/cdr').at(-1)!.query.get('order')).toBe('desc');
    fireEvent.click(within(table).getByRole('button', { name: 'Sort by Duration' }));
    await waitFor(() => expect(gets('/cdr').at(-1)!.query.get('order')).toBe('asc'));
    expect(gets('/cdr').at(-1)!.query.get('number')).toBe('0212345xxx');
  });

  it('says when the API refuses, and offers legal holds to the privacy officer', async () => {
    let held = false;
    mockApi((c) => {
      if (c.path === '/cdr') return { body: { items: [row(2, { masked: false, callerNumber: '+390212345678', onHold: held })], total: 1 } };
      if (c.path === '/cdr/holds/l2' && c.method === 'PUT') {
        held = true;
        return { status: 204 };
      }
      if (c.path === '/cdr/holds/l2' && c.method === 'DELETE') {
        held = false;
        return { status: 204 };
      }
      return undefined;
    }, OFFICER);
    wrap(<CallRecords />);
    const table = await screen.findByTestId('cdr-table');
    const hold = (await within(table).findByTestId('cdr-hold')) as HTMLInputElement;
    // Unlocked (or no key): the number whole, not called masked.
    expect(within(table).getByText('+390212345678')).toBeTruthy();
    expect(within(table).queryByTestId('cdr-masked')).toBeNull();
    expect(screen.getByTestId('cdr-mask-note').getAttribute('data-mask')).toBe('whole');
    expect(hold.checked).toBe(false);
    fireEvent.click(hold);
    await waitFor(() => expect(hold.checked).toBe(true));
    expect(calls.some((c) => c.method === 'PUT' && c.path === '/cdr/holds/l2')).toBe(true);
    expect(await screen.findByText(/Legal hold placed/)).toBeTruthy();
    // Releasing asks first.
    fireEvent.click(hold);
    await confirmDialog('Release hold');
    await waitFor(() => expect(hold.checked).toBe(false));
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/cdr/holds/l2')).toBe(true);
  });

  it('tells a locked privacy officer to unlock; shows an API error', async () => {
    let fail = false;
    mockApi((c) => {
      if (c.path !== '/cdr') return undefined;
      if (fail) return { status: 400, body: { error: { code: 'validation', message: 'number: digits, * # +', fields: [] } } };
      return { body: { items: [row(1, { locked: true })], total: 1 } };
    }, OFFICER);
    wrap(<CallRecords />);
    const note = await screen.findByTestId('cdr-mask-note');
    expect(note.getAttribute('data-mask')).toBe('locked');
    expect(within(note).getByRole('link').getAttribute('href')).toBe('/privacy');
    fail = true;
    fireEvent.change(screen.getByTestId('cdr-filter-number'), { target: { value: 'abc' } });
    fireEvent.click(screen.getByTestId('cdr-search'));
    expect((await screen.findByTestId('cdr-error')).textContent).toContain('digits, * # +');
  });

  it('lists my calls by the other party', async () => {
    mockApi((c) => (c.path === '/me/calls' ? { body: { items: [row(1, { direction: 'out', callerNumber: '201', calledNumber: '+390298765432', calledName: 'Shop', masked: false })], total: 1 } } : undefined), {}, { extension: '201' });
    wrap(<MyCalls />);
    const table = await screen.findByTestId('my-calls-table');
    await within(table).findByText('+390298765432');
    expect(within(table).getByText('Shop')).toBeTruthy();
    expect(within(table).getByText('Outgoing')).toBeTruthy();
  });
});

// ---- privacy -------------------------------------------------------------------------------------

const KEY = { fingerprint: 'F00DFACE', mode: 'passphrase', createdAt: '2026-11-01T08:00:00Z', createdBy: 'po', userIds: ['PBX privacy'], algorithm: 'curve25519' };

describe('privacy page', () => {
  it('unlocks with the passphrase (a wrong one is refused and said), then locks again', async () => {
    let unlocked = false;
    mockApi((c) => {
      if (c.path === '/privacy' && c.method === 'GET') return { body: { key: KEY, unlocked, unlockedKeys: unlocked ? ['F00DFACE'] : [], idleLockMinutes: 30 } };
      if (c.path === '/privacy/unlock') {
        if ((c.body as { passphrase?: string }).passphrase !== 'correct horse battery staple') return { status: 400, body: { error: { code: 'validation', message: 'the passphrase does not unlock the key', fields: [{ path: 'passphrase', message: 'wrong passphrase' }] } } };
        unlocked = true;
        return { body: { fingerprint: 'F00DFACE', which: 'current' } };
      }
      if (c.path === '/privacy/lock') {
        unlocked = false;
        return { status: 204 };
      }
      if (c.path === '/recordings') {
        if (!unlocked) return { status: 403, body: { error: { code: 'locked', message: 'locked: unlock the privacy key for this session first', fields: [] } } };
        return { body: { items: [{ id: 'r1', startedAt: '2026-11-20T10:00:00Z', caller: { number: '+390212345678' }, callee: { number: '201' }, durationMs: 5000, state: 'done' }], total: 1 } };
      }
      return undefined;
    }, OFFICER);
    wrap(<Privacy />);
    const state = await screen.findByTestId('privacy-state');
    expect(state.getAttribute('data-state')).toBe('locked');
    expect(state.textContent).toContain('Locked');
    expect(screen.getByTestId('privacy-fingerprint').textContent).toContain('F00D FACE');
    // Nothing to re-encrypt: no progress panel.
    expect(screen.queryByTestId('privacy-progress')).toBeNull();
    // Locked: no recordings (the API's "locked" is this page's normal state, not an error); changing
    // the key needs the unlock first.
    await waitFor(() => expect(calls.some((c) => c.path === '/recordings')).toBe(true));
    const recs = screen.getByTestId('privacy-recordings');
    await within(recs).findByText('Unlock to listen to recordings.');
    expect(within(recs).queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('privacy-recording')).toBeNull();
    expect(screen.getByTestId('privacy-change-locked')).toBeTruthy();

    // Empty: asked for, nothing sent.
    fireEvent.click(screen.getByTestId('privacy-unlock'));
    expect((await screen.findByTestId('privacy-unlock-error')).textContent).toBe('Type the passphrase.');
    expect(calls.some((c) => c.path === '/privacy/unlock')).toBe(false);
    // Wrong: the API's refusal is shown, still locked.
    fireEvent.change(screen.getByTestId('privacy-unlock-passphrase'), { target: { value: 'wrong one' } });
    fireEvent.click(screen.getByTestId('privacy-unlock'));
    await waitFor(() => expect(screen.getByTestId('privacy-unlock-error').textContent).toContain('does not unlock'));
    expect(screen.getByTestId('privacy-state').getAttribute('data-state')).toBe('locked');
    // Right: unlocked, the state reread, the player offered.
    fireEvent.change(screen.getByTestId('privacy-unlock-passphrase'), { target: { value: 'correct horse battery staple' } });
    fireEvent.click(screen.getByTestId('privacy-unlock'));
    await waitFor(() => expect(screen.getByTestId('privacy-state').getAttribute('data-state')).toBe('unlocked'));
    const unlock = calls.filter((c) => c.path === '/privacy/unlock').at(-1)!;
    expect(unlock.method).toBe('POST');
    expect(unlock.body).toEqual({ passphrase: 'correct horse battery staple' });
    fireEvent.click(await screen.findByTestId('privacy-listen'));
    expect(screen.getByTestId('privacy-player').getAttribute('src')).toBe('/api/v1/recordings/r1/audio');
    // The private key download is offered (passphrase mode).
    expect(screen.getByTestId('privacy-download-key').getAttribute('href')).toBe('/api/v1/privacy/key/private');

    fireEvent.click(screen.getByTestId('privacy-lock'));
    await waitFor(() => expect(screen.getByTestId('privacy-state').getAttribute('data-state')).toBe('locked'));
    expect(calls.some((c) => c.method === 'POST' && c.path === '/privacy/lock')).toBe(true);
  });

  it('sets a first key from a passphrase: too short and mismatched are caught, then the mode is sent', async () => {
    let key: typeof KEY | undefined;
    mockApi((c) => {
      if (c.path === '/privacy' && c.method === 'GET') return { body: { ...(key ? { key } : {}), unlocked: false, unlockedKeys: [], idleLockMinutes: 30, ...(key ? { reencryption: { state: 'running', reason: 'set', total: 8, done: 2, failed: 0, startedAt: 'x' } } : {}) } };
      if (c.path === '/privacy/key' && c.method === 'PUT') {
        key = KEY;
        return { body: { key, unlocked: false, unlockedKeys: [], idleLockMinutes: 30 } };
      }
      if (c.path === '/recordings') return { body: { items: [], total: 0 } };
      return undefined;
    }, OFFICER);
    wrap(<Privacy />);
    expect((await screen.findByTestId('privacy-state')).getAttribute('data-state')).toBe('none');
    fireEvent.change(screen.getByTestId('privacy-new-passphrase'), { target: { value: 'short' } });
    expect(screen.getByTestId('privacy-strength').textContent).toBe('Weak');
    fireEvent.click(screen.getByTestId('privacy-save-key'));
    expect((await screen.findByTestId('privacy-key-error')).textContent).toContain('at least 12');
    fireEvent.change(screen.getByTestId('privacy-new-passphrase'), { target: { value: 'Tre-Tigri contro 3 tigri!' } });
    expect(screen.getByTestId('privacy-strength').textContent).toBe('Strong');
    fireEvent.change(screen.getByTestId('privacy-new-passphrase-again'), { target: { value: 'something else' } });
    fireEvent.click(screen.getByTestId('privacy-save-key'));
    await waitFor(() => expect(screen.getByTestId('privacy-key-error').textContent).toContain('differ'));
    expect(calls.some((c) => c.path === '/privacy/key')).toBe(false);
    fireEvent.change(screen.getByTestId('privacy-new-passphrase-again'), { target: { value: 'Tre-Tigri contro 3 tigri!' } });
    fireEvent.click(screen.getByTestId('privacy-save-key'));
    await waitFor(() => expect(screen.getByTestId('privacy-state').getAttribute('data-state')).toBe('locked'));
    expect(calls.find((c) => c.path === '/privacy/key')!.body).toEqual({ mode: 'passphrase', passphrase: 'Tre-Tigri contro 3 tigri!' });
    // The background encryption shows as a progress bar.
    expect(screen.getByTestId('privacy-progress-text').textContent).toBe('2 of 8 (25%) done');
  });
});

// ---- retention, SNMP, menu -----------------------------------------------------------------------

describe('settings pages', () => {
  it('runs retention after confirming and reports the counts', async () => {
    const periods = { cdrDays: 365, recordingDays: 90, voicemailDays: 0 };
    mockApi((c) => {
      if (c.path === '/cdr/settings') return { body: { retention: periods, reports: [{ name: 'daily', enabled: true, schedule: 'daily', format: 'csv', recipients: ['boss@example.com'] }] } };
      if (c.path === '/cdr/retention') return { body: { retention: periods, lastRun: null, nextRun: '2026-11-23T03:15:00Z', running: false } };
      if (c.path === '/cdr/retention/run') return { body: { at: 'x', finishedAt: 'y', trigger: 'manual', retention: periods, cdrDeleted: 12, recordingsDeleted: 3, voicemailDeleted: 0, heldSkipped: 1, errors: [] } };
      if (c.path === '/cdr/reports/daily/send') return { body: { report: 'daily', from: 'a', to: 'b', label: 'l', rows: 7, recipients: ['boss@example.com'], accepted: ['boss@example.com'], response: '250' } };
      return undefined;
    });
    wrap(<Retention />);
    expect(((await screen.findByTestId('retention-cdrDays')) as HTMLInputElement).value).toBe('365');
    fireEvent.click(await screen.findByTestId('report-send-0'));
    expect(await screen.findByText('Report daily sent: 7 calls, to boss@example.com.')).toBeTruthy();
    fireEvent.click(screen.getByTestId('retention-run-now'));
    await confirmDialog('Run retention now');
    expect(await screen.findByText(/12 call records, 3 recordings and 0 voicemail messages deleted; 1 kept/, { selector: '[role="status"]:not(.toast)' })).toBeTruthy();
    expect(calls.filter((c) => c.path === '/cdr/retention/run').map((c) => c.method)).toEqual(['POST']);
  });

  it('keeps a stored SNMP v3 key as the mask and shows the API error next to the field', async () => {
    const stored = { enabled: true, bindAddress: '0.0.0.0', sysLocation: '', sysContact: '', communities: [{ name: 'public', sources: ['10.0.0.0/8'] }], v3Users: [{ name: 'nms', authKey: '****************', privKey: '****************' }], trapReceivers: [], diskFullPercent: 90 };
    let sent: Record<string, unknown> | undefined;
    mockApi((c) => {
      if (c.path === '/snmp' && c.method === 'GET') return { body: stored };
      if (c.path === '/snmp' && c.method === 'PUT') {
        sent = c.body as Record<string, unknown>;
        return { status: 400, body: { error: { code: 'validation', message: 'invalid SNMP settings', fields: [{ path: 'communities[0].sources[1]', message: 'a network in CIDR notation' }] } } };
      }
      return undefined;
    });
    wrap(<SnmpSettings />);
    const sources = (await screen.findByLabelText('Source networks')) as HTMLTextAreaElement;
    expect(sources.value).toBe('10.0.0.0/8');
    expect((screen.getByLabelText('Authentication key') as HTMLInputElement).type).toBe('password');
    fireEvent.change(sources, { target: { value: '10.0.0.0/8\nnot-a-net' } });
    fireEvent.click(screen.getByTestId('snmp-save'));
    await waitFor(() => expect(sent).toBeDefined());
    expect((sent!.v3Users as { authKey: string }[])[0]!.authKey).toBe('****************');
    expect((sent!.communities as { sources: string[] }[])[0]!.sources).toEqual(['10.0.0.0/8', 'not-a-net']);
    expect(await screen.findByText('a network in CIDR notation', { selector: '.field-error' })).toBeTruthy();
  });

  it('puts the pages in the menu by role: my calls only with an extension', async () => {
    mockApi((c) => (c.path === '/system' ? { body: { name: 'Box' } } : undefined), ADMIN);
    wrap(<Layout>x</Layout>);
    const nav = await screen.findByRole('navigation', { name: 'Main menu' });
    await within(nav).findByRole('link', { name: 'Call records' });
    expect(within(nav).getByRole('link', { name: 'Data retention and reports' })).toBeTruthy();
    expect(within(nav).getByRole('link', { name: 'SNMP' })).toBeTruthy();
    expect(within(nav).getByRole('link', { name: 'LDAP directory' })).toBeTruthy();
    expect(within(nav).queryByRole('link', { name: 'Privacy' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: 'My calls' })).toBeNull();
  });

  it('shows a user with an extension only their own pages', async () => {
    mockApi(() => undefined, {}, { extension: '201' });
    wrap(<Layout>x</Layout>);
    const nav = await screen.findByRole('navigation', { name: 'Main menu' });
    await within(nav).findByRole('link', { name: 'My calls' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['My calls', 'My contacts']);
  });
});
