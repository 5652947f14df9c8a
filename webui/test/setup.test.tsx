// The wizards' building blocks and the first-boot wizard's steps, against a mocked API: the
// step indicator, a step that stays put with the API's field error next to the field, and the
// bulk step putting `items[1].number` at row 2.
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Stepper } from '../src/components/Stepper.tsx';
import { mockFetch, wrap, type Answer, type Call } from './helpers.tsx';
import { CredentialsTable, ExtensionsStep, Setup, networkOf, rowErrors, type Credential, type ExtDraft } from '../src/pages/Setup.tsx';

type Handler = (call: Call) => Answer;

let calls: Call[] = [];

/** Routes fetch to `handler` by method and path (without /api/v1 and query); unknown → 404. */
function mockApi(handler: Handler) {
  calls = mockFetch(handler);
}

const ME = { kind: 'user', name: 'admin', mustChangePassword: false, permissions: { system: 'write', extensions: 'write', trunks: 'write', routing: 'write', users: 'write' } };
const SYSTEM = { name: 'PBX', timezone: 'UTC', language: 'en', sipPort: 5060, rtpStart: 10000, rtpEnd: 20000, localNets: [], ntpServers: ['pool.ntp.org'] };
const NETWORK = {
  hostname: 'pbx',
  interfaces: [{ name: 'eth0', address: '192.168.10.5', family: 'IPv4', cidr: '192.168.10.5/24', mac: '52:54:00:12:34:56' }],
  externalAddress: null,
  sipPort: 5060,
  httpPort: 8080,
  provisioningUrls: ['http://192.168.10.5:8080/provisioning/'],
};
const list = (items: unknown[]) => ({ items, total: items.length, limit: 50, offset: 0 });

beforeEach(() => localStorage.setItem('pbx.lang', 'en'));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('Stepper', () => {
  const steps = ['one', 'two', 'three', 'four'].map((id) => ({ id, label: `Step ${id}` }));

  it('marks the current step and lets only reached steps be revisited', () => {
    const onSelect = vi.fn();
    render(<Stepper steps={steps} current={1} reached={2} onSelect={onSelect} label="Steps" />);
    const nav = screen.getByRole('navigation', { name: 'Steps' });
    expect(within(nav).getByText('Step 2 of 4: Step two')).toBeTruthy();
    expect(screen.getByTestId('stepper-two').getAttribute('aria-current')).toBe('step');
    expect(screen.getByTestId('stepper-one').getAttribute('aria-current')).toBeNull();
    // one (done) and three (reached earlier) are buttons; two is current, four not reached yet.
    expect(within(screen.getByTestId('stepper-two')).queryByRole('button')).toBeNull();
    expect(within(screen.getByTestId('stepper-four')).queryByRole('button')).toBeNull();
    fireEvent.click(within(screen.getByTestId('stepper-three')).getByRole('button'));
    fireEvent.click(within(screen.getByTestId('stepper-one')).getByRole('button'));
    expect(onSelect.mock.calls).toEqual([[2], [0]]);
  });
});

describe('first-boot wizard', () => {
  function boxApi(overrides: Handler = () => undefined): Handler {
    return (c) =>
      overrides(c) ??
      (c.method === 'GET' && c.path === '/auth/me'
        ? { body: ME }
        : c.method === 'GET' && c.path === '/system'
          ? { body: SYSTEM }
          : c.method === 'GET' && c.path === '/system/network'
            ? { body: NETWORK }
            : c.method === 'GET' && ['/trunks', '/extensions', '/inbound-routes'].includes(c.path)
              ? { body: list([]) }
              : undefined);
  }

  it('stays on a step the API refuses, with the message next to the field, and moves on once it accepts', async () => {
    let refuse = true;
    mockApi(
      boxApi((c) => {
        if (c.method !== 'PATCH' || c.path !== '/system') return undefined;
        if (refuse) return { status: 400, body: { error: { code: 'validation_failed', message: 'The settings are invalid', fields: [{ path: 'name', message: 'must not contain [ ] ; " \\ < or >' }] } } };
        return { body: { item: { ...SYSTEM, ...(c.body as object) }, revision: 2, apply: { ok: true, changed: true } } };
      }),
    );
    wrap(<Setup />);
    const name = await screen.findByLabelText(/Name of the box/);
    expect(screen.getByTestId('setup-step-welcome')).toBeTruthy();
    fireEvent.change(name, { target: { value: 'Rossi <HQ>' } });
    fireEvent.click(screen.getByTestId('setup-next'));
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    const err = document.getElementById(name.getAttribute('aria-describedby')!.split(' ').find((x) => x.endsWith('-err'))!);
    expect(err?.textContent).toContain('must not contain');
    expect(screen.getByTestId('setup-step-welcome')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'Rossi <HQ>', language: 'en' });

    refuse = false;
    fireEvent.change(name, { target: { value: 'Rossi HQ' } });
    // Enter in a field submits the step like Next.
    fireEvent.submit(name.closest('form')!);
    expect(await screen.findByTestId('setup-step-password')).toBeTruthy();
    expect(screen.queryByTestId('setup-step-welcome')).toBeNull();
    expect(screen.getByTestId('stepper-password').getAttribute('aria-current')).toBe('step');
    // Back returns to the saved values.
    fireEvent.click(screen.getByTestId('setup-back'));
    expect(((await screen.findByLabelText(/Name of the box/)) as HTMLInputElement).value).toBe('Rossi HQ');
  });

  function Harness({ onNext, onCreated, count = '3' }: { onNext(): void; onCreated(c: Credential[]): void; count?: string }) {
    const [draft, setDraft] = useState<ExtDraft>({ first: '201', count, pattern: '', edits: {}, withClass: true });
    const [created, setCreated] = useState<Credential[]>([]);
    return (
      <ExtensionsStep
        next={onNext}
        focus={false}
        trunk={null}
        existing={[]}
        draft={draft}
        setDraft={setDraft}
        created={created}
        onCreated={(c) => {
          setCreated(c);
          onCreated(c);
        }}
      />
    );
  }

  it('creates the extensions in one bulk request and shows an item error at its row', async () => {
    mockApi(
      boxApi((c) => {
        if (c.path === '/passwords/generate') return { body: { password: 'Pw-aaaaaaaa1', passwords: ['Pw-aaaaaaaa1', 'Pw-bbbbbbbb2', 'Pw-cccccccc3'] } };
        if (c.method === 'POST' && c.path === '/extensions/bulk')
          return { status: 409, body: { error: { code: 'conflict', message: 'items[1].number: extension 202 already exists', fields: [{ path: 'items[1].number', message: 'extension 202 already exists' }] } } };
        return undefined;
      }),
    );
    const onNext = vi.fn();
    const onCreated = vi.fn();
    wrap(<Harness onNext={onNext} onCreated={onCreated} />);
    await waitFor(() => expect(calls.some((c) => c.path === '/auth/me')).toBe(true));
    expect((screen.getByLabelText(/First number/) as HTMLInputElement).value).toBe('201');
    expect((screen.getByLabelText(/How many extensions/) as HTMLInputElement).value).toBe('3');
    expect((screen.getByLabelText('Name of row 3') as HTMLInputElement).value).toBe('Extension 203');
    fireEvent.change(screen.getByLabelText('Name of row 1'), { target: { value: 'Reception' } });

    await waitFor(() => expect(screen.getByTestId('setup-next').textContent).toBe('Create 3 extensions'));
    fireEvent.click(screen.getByTestId('setup-next'));

    const row2 = await screen.findByTestId('ext-row-2');
    await waitFor(() => expect(within(row2).getByTestId('row-error').textContent).toBe('extension 202 already exists'));
    expect(within(row2).getByLabelText('Number of row 2').getAttribute('aria-invalid')).toBe('true');
    expect(within(screen.getByTestId('ext-row-1')).queryByTestId('row-error')).toBeNull();
    expect(within(screen.getByTestId('ext-row-3')).queryByTestId('row-error')).toBeNull();
    expect(screen.getByTestId('step-error').textContent).toContain('already exists');
    expect(onNext).not.toHaveBeenCalled();
    expect(onCreated).not.toHaveBeenCalled();

    const bulk = calls.filter((c) => c.path === '/extensions/bulk');
    expect(bulk).toHaveLength(1);
    expect(bulk[0]!.body).toEqual({
      items: [
        { number: '201', name: 'Reception', devices: [{ username: '201', password: 'Pw-aaaaaaaa1' }] },
        { number: '202', name: 'Extension 202', devices: [{ username: '202', password: 'Pw-bbbbbbbb2' }] },
        { number: '203', name: 'Extension 203', devices: [{ username: '203', password: 'Pw-cccccccc3' }] },
      ],
    });
    const gen = calls.find((c) => c.path === '/passwords/generate') as Call & { query: URLSearchParams };
    expect(gen.query.get('count')).toBe('3');
    expect(gen.query.get('kind')).toBe('sip');
  });

  it('moves on with the credentials once the bulk request succeeds', async () => {
    mockApi(
      boxApi((c) => {
        if (c.path === '/passwords/generate') return { body: { password: 'Pw-aaaaaaaa1', passwords: ['Pw-aaaaaaaa1', 'Pw-bbbbbbbb2'] } };
        if (c.method === 'POST' && c.path === '/extensions/bulk') return { status: 201, body: { items: (c.body as { items: unknown[] }).items, revision: 3, apply: { ok: true, changed: true } } };
        return undefined;
      }),
    );
    const onNext = vi.fn();
    const onCreated = vi.fn();
    wrap(<Harness onNext={onNext} onCreated={onCreated} count="2" />);
    await waitFor(() => expect(screen.getByTestId('setup-next').textContent).toBe('Create 2 extensions'));
    fireEvent.click(screen.getByTestId('setup-next'));
    await waitFor(() => expect(onNext).toHaveBeenCalledTimes(1));
    expect(onCreated).toHaveBeenCalledWith([
      { number: '201', name: 'Extension 201', username: '201', password: 'Pw-aaaaaaaa1' },
      { number: '202', name: 'Extension 202', username: '202', password: 'Pw-bbbbbbbb2' },
    ]);
  });

  it('refuses a count out of range without asking the box', async () => {
    mockApi(boxApi());
    const onNext = vi.fn();
    wrap(<Harness onNext={onNext} onCreated={() => {}} count="501" />);
    await waitFor(() => expect(calls.some((c) => c.path === '/auth/me')).toBe(true));
    const count = screen.getByLabelText(/How many extensions/);
    await waitFor(() => expect(count.getAttribute('aria-invalid')).toBe('true'));
    fireEvent.submit(count.closest('form')!);
    await waitFor(() => expect(screen.getByTestId('step-error')).toBeTruthy());
    expect(calls.some((c) => c.path === '/extensions/bulk' || c.path === '/passwords/generate')).toBe(false);
    expect(onNext).not.toHaveBeenCalled();
  });
});

describe('credentials sheet', () => {
  it('lists each phone with every address it can register to and the SIP port', () => {
    wrap(<CredentialsTable rows={[{ number: '201', name: 'Reception', username: '201', password: 'Pw-aaaaaaaa1' }]} net={NETWORK as never} externalAddress="203.0.113.7" sipPort={5062} />);
    const row = screen.getByTestId('cred-201');
    expect(within(row).getByTestId('cred-user').textContent).toBe('201');
    expect(within(row).getByTestId('cred-password').textContent).toBe('Pw-aaaaaaaa1');
    expect(within(row).getByTestId('cred-server').textContent).toContain('192.168.10.5');
    expect(within(row).getByTestId('cred-server').textContent).toContain('203.0.113.7');
    expect(within(row).getByTestId('cred-port').textContent).toBe('5062');
  });
});

describe('helpers', () => {
  it('computes the network of an interface address', () => {
    expect(networkOf('192.168.10.5/24')).toBe('192.168.10.0/24');
    expect(networkOf('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(networkOf('fe80::1/64')).toBeNull();
  });
  it('maps bulk error paths to rows and columns', () => {
    const m = rowErrors([
      { path: 'items[0].name', message: 'must not be empty' },
      { path: 'items[4].devices[0].username', message: 'already used' },
      { path: 'items', message: 'too many' },
    ]);
    expect(m.get(0)).toEqual({ name: 'must not be empty' });
    expect(m.get(4)).toEqual({ number: 'already used' });
    expect(m.size).toBe(2);
  });
});
