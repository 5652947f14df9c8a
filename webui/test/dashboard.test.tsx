// Dashboard, active calls and the diff components: pure diff marking, and the pages reacting to
// the event stream (a fake EventSource stands in for the browser's; fetch answers per URL).
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../src/lib/i18n.tsx';
import { SessionProvider } from '../src/lib/session.tsx';
import { closeEvents } from '../src/lib/events.ts';
import { DiffView, ValueDiff, diffLines, parseUnifiedDiff, stableStringify, valueDiff } from '../src/components/DiffView.tsx';
import { Dashboard, type SystemStatus } from '../src/pages/Dashboard.tsx';
import { Preview } from '../src/pages/Preview.tsx';
import { Calls, describeCall, formatDuration, type ActiveCall } from '../src/pages/Calls.tsx';
import en from '../src/locales/en.dashboard.json';
import it_ from '../src/locales/it.dashboard.json';

import { FakeEventSource, source } from './fake-event-source.ts';

function status(over: Partial<SystemStatus> = {}): SystemStatus {
  return {
    host: {
      hostname: 'pbx1',
      uptimeSeconds: 90061,
      load: [0.5, 0.25, 0.1],
      cpuCores: 2,
      cpuPercent: 12,
      memory: { totalBytes: 4 * 1024 ** 3, usedBytes: 1.5 * 1024 ** 3, availableBytes: 2.5 * 1024 ** 3 },
      disk: { mount: '/var/lib/pbx', totalBytes: 32 * 1024 ** 3, usedBytes: 8 * 1024 ** 3, availableBytes: 24 * 1024 ** 3 },
      temperatureC: null,
    },
    asterisk: { state: 'running', ok: true },
    calls: { active: 2 },
    devices: { registered: 3, total: 7 },
    trunks: [
      { name: 'carrier1', type: 'register', state: 'registered' },
      { name: 'office', type: 'ip', state: 'unreachable' },
    ],
    apply: { revision: 4, apply: { state: 'applied', appliedRevision: 4 } },
    health: { status: 'ok', reasons: [] },
    ...over,
  };
}

type Routes = Record<string, unknown | (() => unknown)>;
function mockFetch(routes: Routes) {
  const calls: string[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input).replace(/^\/api\/v1/, '').split('?')[0]!;
    const key = `${init?.method ?? 'GET'} ${url}`;
    calls.push(key);
    const r = routes[key];
    if (r === undefined) return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no ' + key } }), { status: 404 });
    const body = typeof r === 'function' ? (r as () => unknown)() : r;
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  return { spy, calls };
}

function me(permissions: Record<string, string>) {
  return { kind: 'user', name: 'admin', permissions, mustChangePassword: false, user: { username: 'admin', role: 'x' } };
}

function page(node: React.ReactNode) {
  return render(
    <I18nProvider>
      <SessionProvider>{node}</SessionProvider>
    </I18nProvider>,
  );
}

beforeEach(() => {
  localStorage.setItem('pbx.lang', 'en');
  FakeEventSource.instances = [];
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
});
afterEach(() => {
  cleanup();
  closeEvents();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('diff marking', () => {
  const unified = [
    '===================================================================',
    '--- running/pjsip.conf',
    '+++ candidate/pjsip.conf',
    '@@ -1,3 +1,3 @@',
    ' [201]',
    '-callerid=Alice <201>',
    '+callerid=Alicia <201>',
    '--- not a header: a removed line starting with dashes',
    ' type=endpoint',
    '\\ No newline at end of file',
  ].join('\n');

  it('classifies unified diff lines; headers only before the first hunk', () => {
    expect(parseUnifiedDiff(unified).map((l) => l.kind)).toEqual(['meta', 'meta', 'meta', 'hunk', 'same', 'del', 'add', 'del', 'same', 'meta']);
  });

  it('DiffView marks added and removed lines', () => {
    const { container } = render(<DiffView text={unified} />);
    expect([...container.querySelectorAll('.line.add')].map((e) => e.textContent)).toEqual(['+callerid=Alicia <201>']);
    expect([...container.querySelectorAll('.line.del')].map((e) => e.textContent)).toEqual(['-callerid=Alice <201>', '--- not a header: a removed line starting with dashes']);
    expect(container.querySelectorAll('.line.meta')).toHaveLength(4);
  });

  it('prints JSON with sorted keys at every level', () => {
    expect(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(stableStringify({ a: { c: null, d: [{ y: 2, z: 1 }] }, b: 1 }));
    expect(stableStringify({ b: 1, a: 2 }).split('\n')).toEqual(['{', '  "a": 2,', '  "b": 1', '}']);
  });

  it('LCS line diff keeps common lines and marks the rest', () => {
    expect(diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'del', text: 'b' },
      { kind: 'add', text: 'x' },
      { kind: 'same', text: 'c' },
      { kind: 'same', text: 'd' },
      { kind: 'add', text: 'e' },
    ]);
    expect(diffLines([], ['a'])).toEqual([{ kind: 'add', text: 'a' }]);
    expect(diffLines(['a'], [])).toEqual([{ kind: 'del', text: 'a' }]);
  });

  it('ValueDiff: key order does not matter; only-before lines removed, only-after added', () => {
    expect(valueDiff({ b: 1, a: 2 }, { a: 2, b: 1 }).every((l) => l.kind === 'same')).toBe(true);
    const { container } = render(<ValueDiff before={{ name: 'Alice', number: '201' }} after={{ number: '201', name: 'Alicia', email: 'a@x.it' }} />);
    const marked = (k: string) => [...container.querySelectorAll(`.line.${k}`)].map((e) => e.textContent);
    expect(marked('del')).toEqual(['-   "name": "Alice",']);
    expect(marked('add')).toEqual(['+   "email": "a@x.it",', '+   "name": "Alicia",']);
    expect(marked('same')).toContain('    "number": "201"');
  });

  it('ValueDiff of a creation marks everything added', () => {
    const lines = valueDiff(undefined, { a: 1 });
    expect(lines.map((l) => l.kind)).toEqual(['add', 'add', 'add']);
  });
});

describe('Dashboard', () => {
  it('shows the status and updates the active calls from status events', async () => {
    mockFetch({
      'GET /auth/me': me({ system: 'read', calls: 'read' }),
      'GET /system/status': status(),
      'GET /config/status': { revision: 4, apply: { state: 'applied', appliedRevision: 4 } },
    });
    page(<Dashboard />);
    await waitFor(() => expect(screen.getByTestId('active-calls').textContent).toBe('2'));
    expect(screen.getByTestId('registered-devices').textContent).toBe('3 of 7');
    expect(screen.getByTestId('trunk-carrier1').querySelector('.badge.good')?.textContent).toBe('registered');
    expect(screen.getByTestId('trunk-office').querySelector('.badge.bad')?.textContent).toBe('unreachable');
    expect(screen.getByTestId('health-reasons').getAttribute('role')).toBeNull();
    expect(screen.queryByTestId('tile-temperature')).toBeNull();
    // Links only where the role may go: calls yes, extensions and trunks no.
    await waitFor(() => expect(screen.getByTestId('tile-active-calls').getAttribute('href')).toBe('/calls'));
    expect(screen.getByTestId('tile-devices').getAttribute('href')).toBeNull();
    expect(screen.getByTestId('trunk-carrier1').querySelector('a')).toBeNull();

    act(() => source().emit('open'));
    act(() =>
      source().emit(
        'status',
        status({ calls: { active: 5 }, health: { status: 'unhealthy', reasons: ['asterisk: stopped'] }, asterisk: { state: 'stopped', ok: false }, host: { ...status().host, temperatureC: 51 } }),
      ),
    );
    expect(screen.getByTestId('active-calls').textContent).toBe('5');
    const reasons = screen.getByTestId('health-reasons');
    expect(reasons.getAttribute('role')).toBe('alert');
    expect(reasons.textContent).toContain('asterisk: stopped');
    expect(screen.getByTestId('asterisk-state').className).toContain('bad');
    expect(screen.getByTestId('tile-temperature').textContent).toContain('51 °C');
    expect(screen.getByTestId('connection').getAttribute('data-state')).toBe('live');

    // The stream drops: the page says so; the reconnect ('open') clears it and refetches.
    act(() => source().emit('error'));
    expect(screen.getByTestId('connection').getAttribute('data-state')).toBe('lost');
    act(() => source().emit('open'));
    expect(screen.getByTestId('connection').getAttribute('data-state')).toBe('live');
  });

  it('renders its frame before any data arrives', () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(() => new Promise<Response>(() => {}));
    page(<Dashboard />);
    // SessionProvider shows children at once; tiles are there, busy.
    expect(screen.getByTestId('tile-active-calls').getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('trunks-table')).toBeTruthy();
  });
});

const call = (over: Partial<ActiveCall> = {}): ActiveCall => ({
  callId: '1795324522.5',
  startedAt: '2030-01-01T10:00:00.000Z',
  durationSeconds: 61,
  channels: [
    { uniqueId: '1.5', channel: 'PJSIP/201-00000001', state: 'Up', callerNumber: '201', callerName: 'Alice', connectedNumber: '202', connectedName: 'Bob', extension: '201', device: '201a', startedAt: '2030-01-01T10:00:00.000Z' },
    { uniqueId: '1.6', channel: 'PJSIP/202-00000002', state: 'Up', callerNumber: '202', connectedNumber: '201', extension: '202', device: '202a', startedAt: '2030-01-01T10:00:01.000Z' },
  ],
  ...over,
});

describe('Active calls', () => {
  it('describes calls and formats durations', () => {
    const d = describeCall(call());
    expect(d.caller).toEqual({ number: '201', name: 'Alice' });
    expect(d.callee).toEqual({ number: '202', name: 'Bob' });
    expect(d.state).toBe('up');
    expect(d.extensions).toEqual(['201', '202']);
    expect(describeCall(call({ clickToCall: { extension: '201', number: '0612345678' } })).callee.number).toBe('0612345678');
    expect(formatDuration(61)).toBe('1:01');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('lists calls, refetches after call events, hides hang-up for read-only roles', async () => {
    let items: ActiveCall[] = [call()];
    const { calls } = mockFetch({ 'GET /auth/me': me({ calls: 'read' }), 'GET /calls': () => ({ items }) });
    page(<Calls />);
    const row = await screen.findByTestId('call-1795324522.5');
    expect(row.textContent).toContain('201');
    expect(row.textContent).toContain('in conversation');
    expect(row.querySelector('[data-testid="call-duration"]')?.textContent).toBe('1:01');
    expect(screen.queryByTestId('hangup')).toBeNull();

    items = [];
    const before = calls.filter((c) => c === 'GET /calls').length;
    act(() => {
      source().emit('call.hangup', { type: 'call.hangup', callId: '1795324522.5' });
      source().emit('call.hangup', { type: 'call.hangup', callId: '1795324522.5' });
    });
    await waitFor(() => expect(screen.getByTestId('calls-empty')).toBeTruthy());
    // Two events of one burst: one refetch.
    expect(calls.filter((c) => c === 'GET /calls').length - before).toBe(1);
  });

  it('offers hang-up to roles that may write calls', async () => {
    mockFetch({ 'GET /auth/me': me({ calls: 'write' }), 'GET /calls': { items: [call()] } });
    page(<Calls />);
    await waitFor(() => expect(screen.getByTestId('hangup').getAttribute('aria-label')).toBe('Hang up the call from 201 to 202'));
  });
});

describe('Configuration preview', () => {
  it('shows per-file diffs, the summary and what Asterisk rejected', async () => {
    mockFetch({
      'GET /auth/me': me({ system: 'read' }),
      'GET /config/status': {
        revision: 7,
        apply: { state: 'failed', appliedRevision: 6, restartRequired: [], lastError: { message: 'Asterisk refused pjsip.conf', objects: ['extension 201'], details: ['ERROR res_pjsip: bad codec "foo"', 'line 2'], at: '2030-01-01T10:00:00.000Z', revision: 7 } },
      },
      'GET /config/preview': {
        revision: 7,
        runningGeneration: 3,
        runningRevision: 6,
        changed: true,
        files: [
          { name: 'pjsip.conf', status: 'changed', diff: '--- running/pjsip.conf\n+++ candidate/pjsip.conf\n@@ -1,2 +1,2 @@\n [201a]\n-allow=ulaw\n+allow=foo\n' },
          { name: 'modules.conf', status: 'unchanged' },
        ],
        reloads: ['res_pjsip.so'],
        restartRequired: [],
      },
    });
    page(<Preview />);
    const file = await screen.findByTestId('preview-file-pjsip.conf');
    expect([...file.querySelectorAll('.line.add')].map((e) => e.textContent)).toEqual(['+allow=foo']);
    expect([...file.querySelectorAll('.line.del')].map((e) => e.textContent)).toEqual(['-allow=ulaw']);
    expect(screen.queryByTestId('preview-file-modules.conf')).toBeNull();
    expect(screen.getByTestId('preview-summary').textContent).toContain('1 file would change');
    const err = await screen.findByTestId('apply-error');
    expect(err.getAttribute('role')).toBe('alert');
    expect(err.textContent).toContain('Asterisk refused pjsip.conf');
    expect(err.querySelector('pre')?.textContent).toBe('ERROR res_pjsip: bad codec "foo"\nline 2');
    expect(screen.getByTestId('applied-revision').textContent).toBe('6');
  });
});

describe('locales', () => {
  it('Italian has every English key', () => {
    const keys = (o: object, p = ''): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${p}${k}.`) : [`${p}${k}`]));
    expect(keys(it_).sort()).toEqual(keys(en).sort());
  });
});
