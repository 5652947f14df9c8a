// User-service pages and panels against a mocked API: the menu group (and the recordings page
// only for the privacy role), feature codes grouped with their API errors, the SMTP page (the
// password mask kept, the test mail), an extension's state panel (DND, forward, lock, live
// refetch), greetings and music uploads, a conference's participants, the recordings list, and
// the generic form's new behaviours (scoped enum labels, PIN generation, optional objects).
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeEvents } from '../src/lib/events.ts';
import { Layout } from '../src/components/Layout.tsx';
import { SchemaForm } from '../src/components/SchemaForm.tsx';
import type { JsonSchema } from '../src/lib/schema.ts';
import { FeatureCodes, MailSettings, Recordings, SECRET_MASK, groupCodes } from '../src/pages/ServicesPages.tsx';
import { ConferencePanel, ExtensionStatePanel, MailboxPanel, MohFilesPanel, mohFileName, replaceWith } from '../src/pages/ServicesPanels.tsx';
import { FakeEventSource, source } from './fake-event-source.ts';
import { confirmDialog, installDialog, mockFetch, wrap, type Answer, type Call } from './helpers.tsx';

// ---- a trimmed copy of the server's schemas ------------------------------------------------------

const code = (d: string, inCall = false): JsonSchema => ({ type: 'string', default: d, pattern: inCall ? '^[*#][0-9*#]{1,3}$' : '^\\*(?:\\*|[0-9]{1,6})$', description: `server text ${d}` });
const CODES: JsonSchema = {
  type: 'object',
  properties: {
    dndOn: code('*78'),
    dndOff: code('*79'),
    forwardSet: code('*72'),
    voicemail: code('*97'),
    directedPickup: code('**'),
    lock: code('*70'),
    agentLogin: code('*45'),
    brandNew: code('*33'),
    inCallRecord: code('*1', true),
    blindTransfer: code('##', true),
  },
};
const MAIL: JsonSchema = {
  type: 'object',
  properties: {
    host: { type: 'string', description: 'SMTP relay' },
    port: { type: 'integer', default: 587 },
    security: { type: 'string', enum: ['starttls', 'tls', 'none'], default: 'starttls' },
    username: { type: 'string' },
    password: { type: 'string' },
    from: { type: 'string', format: 'email', default: 'pbx@pbx.invalid' },
    fromName: { type: 'string', default: 'PBX' },
  },
};
const one = (key: string, ref?: string): JsonSchema => ({ type: 'object', properties: { [key]: { type: 'string', ...(ref ? { 'x-ref': ref } : {}) } }, required: [key], additionalProperties: false });
const ALWAYS: JsonSchema = {
  anyOf: [one('extension', 'extensions'), one('external'), { type: 'object', properties: { voicemail: { type: 'string', 'x-ref': 'voicemail-boxes' }, greeting: { type: 'string', enum: ['unavailable', 'busy', 'none'], default: 'unavailable' } }, required: ['voicemail'] }],
};
const EXTENSION: JsonSchema = { type: 'object', properties: { number: { type: 'string' }, forward: { type: 'object', properties: { always: ALWAYS } } } };
const body = (schema: JsonSchema, method = 'post') => ({ [method]: { requestBody: { content: { 'application/json': { schema } } } } });
const OPENAPI = { paths: { '/feature-codes': body(CODES, 'put'), '/mail': body(MAIL, 'put'), '/extensions': body(EXTENSION) } };

// ---- fetch mock --------------------------------------------------------------------------------

let calls: Call[] = [];
const ADMIN = { extensions: 'write', services: 'write', system: 'write', calls: 'read', switches: 'write' };

function mockApi(handler: (c: Call) => Answer, permissions: Record<string, string> = ADMIN) {
  calls = mockFetch(handler, { me: { kind: 'user', name: 'admin', mustChangePassword: false, permissions, user: { username: 'admin', role: 'admin' } }, openapi: OPENAPI });
}

const writes = () => calls.filter((c) => c.method !== 'GET');

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

// ---- menu --------------------------------------------------------------------------------------

describe('menu', () => {
  const nav = async () => {
    const n = await screen.findByRole('navigation', { name: 'Main menu' });
    await within(n).findByText('User services');
    return n;
  };
  it('has a User services group; the admin does not see the call recordings', async () => {
    mockApi((c) => (c.path === '/system' ? { body: { name: 'Box' } } : undefined), { extensions: 'write', services: 'write', system: 'write' });
    wrap(<Layout>x</Layout>);
    const n = await nav();
    const group = within(n).getByText('User services').closest('.nav-group') as HTMLElement;
    expect(within(group).getAllByRole('link').map((a) => a.textContent)).toEqual(['Voicemail boxes', 'Conference rooms', 'Paging groups', 'Music on hold', 'Feature codes', 'Parking & recording']);
    expect(within(n).getByRole('link', { name: 'E-mail (SMTP)' })).toBeTruthy();
    expect(within(n).queryByRole('link', { name: 'Call recordings' })).toBeNull();
  });
  it('shows the privacy officer the call recordings and nothing else of the group', async () => {
    mockApi(() => undefined, { cdr: 'read', recordings: 'write', privacy: 'write', audit: 'read' });
    wrap(<Layout>x</Layout>);
    const n = await nav();
    const group = within(n).getByText('User services').closest('.nav-group') as HTMLElement;
    expect(within(group).getAllByRole('link').map((a) => a.textContent)).toEqual(['Call recordings']);
  });
});

// ---- feature codes -----------------------------------------------------------------------------

describe('feature codes page', () => {
  it('groups dialled and in-call codes, unknown ones under Other', () => {
    const g = Object.fromEntries(groupCodes(CODES));
    expect(g.dnd).toEqual(['dndOn', 'dndOff']);
    expect(g.inCall).toEqual(['inCallRecord', 'blindTransfer']);
    expect(g.other).toEqual(['brandNew']);
    expect(g.agents).toEqual(['agentLogin']);
  });

  it('shows every code with what it does, saves them all, and puts a refused code next to its field', async () => {
    const stored = Object.fromEntries(Object.entries(CODES.properties!).map(([k, s]) => [k, s.default as string]));
    mockApi((c) => {
      if (c.path === '/feature-codes' && c.method === 'GET') return { body: stored };
      if (c.path === '/feature-codes' && c.method === 'PUT') {
        const b = c.body as Record<string, string>;
        if (b.lock === '*7') return { status: 409, body: { error: { code: 'conflict', message: 'the feature codes collide', fields: [{ path: 'lock', message: '*7 is the start of *70 (dndOn)' }] } } };
        return { body: { item: b, revision: 2, apply: { ok: true } } };
      }
      return undefined;
    });
    wrap(<FeatureCodes />);
    const page = await screen.findByTestId('feature-codes');
    await within(page).findByTestId('codes-inCall');
    // Each code: its name, its value, what it does; codes followed by a number say so.
    const dnd = within(page).getByTestId('code-dndOn');
    expect(within(dnd).getByText('Do not disturb on')).toBeTruthy();
    expect((within(dnd).getByLabelText('Do not disturb on') as HTMLInputElement).value).toBe('*78');
    expect(within(dnd).getByText(/Callers get busy/)).toBeTruthy();
    expect(within(page).getByTestId('code-forwardSet').textContent).toContain('+ number');
    expect(within(page).getByTestId('code-forwardSet').textContent).toContain('*72201');
    expect(within(within(page).getByTestId('codes-inCall')).getByLabelText('Blind transfer')).toBeTruthy();
    // A code the GUI has no words for yet still shows, with the server's description.
    expect(within(within(page).getByTestId('codes-other')).getByText('server text *33')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Lock the phone'), { target: { value: '*7' } });
    expect(screen.getByText('Unsaved changes.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const err = await screen.findByText('*7 is the start of *70 (dndOn)', { selector: '.field-error' });
    expect(err.id).toBe('f-code_lock-err');
    expect(screen.getByLabelText('Lock the phone').getAttribute('aria-invalid')).toBe('true');

    fireEvent.change(screen.getByLabelText('Lock the phone'), { target: { value: '*75' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText(/Feature codes saved and applied/);
    const put = writes().at(-1)!;
    expect(put.body).toEqual({ ...stored, lock: '*75' });
    expect(screen.queryByText('Unsaved changes.')).toBeNull();
  });

  it('is read-only without system write', async () => {
    mockApi((c) => (c.path === '/feature-codes' ? { body: { dndOn: '*78' } } : undefined), { system: 'read' });
    wrap(<FeatureCodes />);
    const input = (await screen.findByLabelText('Do not disturb on')) as HTMLInputElement;
    await waitFor(() => expect(input.disabled).toBe(true));
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
  });
});

// ---- mail --------------------------------------------------------------------------------------

describe('mail settings', () => {
  it('keeps the stored password by sending the mask back, and sends a test only with saved settings', async () => {
    let stored: Record<string, unknown> = { host: 'smtp.example.com', port: 587, security: 'starttls', username: 'pbx', password: SECRET_MASK, from: 'pbx@example.com', fromName: 'PBX' };
    mockApi((c) => {
      if (c.path === '/mail' && c.method === 'GET') return { body: stored };
      if (c.path === '/mail' && c.method === 'PUT') {
        stored = { ...(c.body as object), password: SECRET_MASK };
        return { body: { item: stored, revision: 3 } };
      }
      if (c.path === '/mail/test') {
        const to = (c.body as { to: string }).to;
        return to === 'bad@example.com' ? { status: 502, body: { error: { code: 'mail_failed', message: '535 authentication failed' } } } : { body: { ok: true } };
      }
      return undefined;
    });
    wrap(<MailSettings />);
    const pw = (await screen.findByTestId('mail-password')) as HTMLInputElement;
    expect(pw.type).toBe('password');
    expect(pw.value).toBe(SECRET_MASK);
    expect(screen.getByTestId('mail-password-help').textContent).toMatch(/A password is stored/);
    expect((screen.getByLabelText(/^Security/) as HTMLSelectElement).selectedOptions[0]!.textContent).toBe('STARTTLS (port 587 or 25)');

    // A changed port: the test waits for the save.
    fireEvent.change(screen.getByLabelText(/^Port/), { target: { value: '2525' } });
    const send = screen.getByTestId('mail-test-send') as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect(screen.getByText(/Save the changes first/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText(/E-mail \(SMTP\) saved and applied/);
    expect(writes()[0]!.body).toEqual({ host: 'smtp.example.com', port: 2525, security: 'starttls', username: 'pbx', password: SECRET_MASK, from: 'pbx@example.com', fromName: 'PBX' });

    fireEvent.change(screen.getByLabelText('Send to'), { target: { value: 'admin@example.com' } });
    await waitFor(() => expect(send.disabled).toBe(false));
    fireEvent.click(send);
    await screen.findByText(/Test e-mail sent to admin@example.com/, { selector: '.ok-text' });
    expect(writes().at(-1)).toMatchObject({ method: 'POST', path: '/mail/test', body: { to: 'admin@example.com' } });

    // The relay's refusal, in its words, with what to do.
    fireEvent.change(screen.getByLabelText('Send to'), { target: { value: 'bad@example.com' } });
    fireEvent.click(send);
    const err = await screen.findByTestId('mail-test-error');
    expect(err.textContent).toContain('535 authentication failed');
    expect(err.textContent).toContain('Check the host, port, security and credentials');

    // A new password replaces the mask.
    fireEvent.change(pw, { target: { value: 'n3w-secret' } });
    expect(screen.getByTestId('mail-password-help').textContent).toMatch(/Given by the mail provider/);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect((writes().filter((c) => c.path === '/mail').at(-1)!.body as { password: string }).password).toBe('n3w-secret'));
  });

  it('says where the server refused a field', async () => {
    mockApi((c) => {
      if (c.path === '/mail' && c.method === 'GET') return { body: { port: 587, security: 'starttls', from: 'pbx@pbx.invalid', fromName: 'PBX' } };
      if (c.path === '/mail' && c.method === 'PUT') return { status: 400, body: { error: { code: 'validation', message: 'the mail settings are invalid', fields: [{ path: 'password', message: 'username and password go together' }] } } };
      return undefined;
    });
    wrap(<MailSettings />);
    await screen.findByTestId('mail-password');
    expect((screen.getByTestId('mail-test-send') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Set and save the relay's host first/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^User name/), { target: { value: 'pbx' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('username and password go together', { selector: '.field-error' })).toBeTruthy();
    expect(screen.getByTestId('mail-password').getAttribute('aria-invalid')).toBe('true');
  });
});

// ---- extension state -----------------------------------------------------------------------------

describe('extension state panel', () => {
  it('toggles DND, forwards and locks, and follows changes made by phones', async () => {
    let state = { extension: '201', dnd: false, forwardAlways: null as unknown, locked: false, callback: null, lastCaller: '0612345678', registeredDevices: ['201'] };
    const reload = vi.fn();
    mockApi((c) => {
      if (c.path === '/extensions/201/state') return { body: state };
      if (c.path === '/extensions/201' && c.method === 'PATCH') {
        const b = c.body as { dnd?: boolean; forward?: { always: unknown } };
        if (b.dnd !== undefined) state = { ...state, dnd: b.dnd };
        // As the API's merge patch does: null removes a key.
        if (b.forward) state = { ...state, forwardAlways: Object.fromEntries(Object.entries(b.forward.always as object).filter(([, v]) => v !== null)) };
        return { body: { item: {}, revision: 5 } };
      }
      if (c.path === '/extensions/201/lock') {
        state = { ...state, locked: true };
        return { body: state };
      }
      return undefined;
    });
    wrap(<ExtensionStatePanel objectKey="201" item={{ number: '201', forward: { always: { extension: '202' } } }} reload={reload} />);
    const panel = await screen.findByTestId('extension-state');
    await within(panel).findByText('0612345678');
    expect(within(panel).getByTestId('state-registered').textContent).toBe('201');
    expect(within(panel).getByTestId('state-dnd').textContent).toBe('off');

    fireEvent.click(within(panel).getByTestId('toggle-dnd'));
    await waitFor(() => expect(within(panel).getByTestId('state-dnd').textContent).toBe('on'));
    expect(writes()[0]).toMatchObject({ method: 'PATCH', path: '/extensions/201', body: { dnd: true } });
    // The form below must not save the old value back.
    expect(reload).toHaveBeenCalled();

    // Forward: the destination replaces the old one (its key cleared in the merge patch).
    fireEvent.click(within(panel).getByRole('button', { name: 'Forward…' }));
    const kind = (await within(panel).findByLabelText('Kind')) as HTMLSelectElement;
    fireEvent.change(kind, { target: { value: '1' } });
    fireEvent.change(within(panel).getByLabelText(/^External number/), { target: { value: '0698765' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Forward every call' }));
    await waitFor(() => expect(within(panel).getByTestId('state-forward').textContent).toBe('External number 0698765'));
    expect(writes()[1]!.body).toEqual({ forward: { always: { extension: null, external: '0698765' } } });

    fireEvent.click(within(panel).getByTestId('toggle-lock'));
    await waitFor(() => expect(within(panel).getByTestId('state-lock').textContent).toBe('locked'));
    expect(writes()[2]).toMatchObject({ method: 'POST', path: '/extensions/201/lock' });

    // A phone dialled a code: the event carries the new state, shown at once with who did it.
    await waitFor(() => expect(FakeEventSource.instances.length).toBeGreaterThan(0));
    expect(source().url).toContain('extension.state');
    act(() => source().emit('extension.state', { type: 'extension.state', change: 'dnd', by: '202', state: { ...state, extension: '202', dnd: false } }));
    expect(within(panel).getByTestId('state-dnd').textContent).toBe('on');
    act(() => source().emit('extension.state', { type: 'extension.state', change: 'dnd', by: '201', state: { ...state, dnd: false } }));
    expect(within(panel).getByTestId('state-dnd').textContent).toBe('off');
    expect(within(panel).getByText('Last changed by 201.')).toBeTruthy();
  });

  it('shows the state but no buttons to a reader', async () => {
    mockApi((c) => (c.path === '/extensions/201/state' ? { body: { dnd: true, locked: false } } : undefined), { extensions: 'read' });
    wrap(<ExtensionStatePanel objectKey="201" item={{ number: '201' }} reload={() => {}} />);
    const panel = await screen.findByTestId('extension-state');
    await waitFor(() => expect(within(panel).getByTestId('state-dnd').textContent).toBe('on'));
    expect(within(panel).queryByTestId('toggle-dnd')).toBeNull();
    expect(within(panel).queryByTestId('toggle-lock')).toBeNull();
  });

  it('replaces a destination in a merge patch', () => {
    expect(replaceWith({ extension: '202' }, { voicemail: '201', greeting: 'busy' })).toEqual({ extension: null, voicemail: '201', greeting: 'busy' });
    expect(replaceWith(undefined, { external: '06' })).toEqual({ external: '06' });
    expect(replaceWith({ extension: '202' }, undefined)).toBe(null);
  });
});

// ---- greetings, music ------------------------------------------------------------------------------

describe('mailbox panel', () => {
  it('lists greetings and messages, uploads raw audio, refuses other files, deletes a message', async () => {
    let greetings = [{ kind: 'unavailable', durationSeconds: 4.2, bytes: 67_000 }];
    let messages = [
      { id: 'm1', folder: 'INBOX', index: 0, callerId: '"Rossi" <0612345678>', callerNumber: '0612345678', callerName: 'Rossi', receivedAt: '2026-05-04T10:00:00Z', durationSeconds: 12, bytes: 190_000 },
      { id: 'm2', folder: 'Old', index: 0, callerId: '202', callerNumber: '202', receivedAt: '2026-05-03T10:00:00Z', durationSeconds: 3, bytes: 50_000 },
    ];
    mockApi((c) => {
      if (c.path === '/voicemail-boxes/300/greetings' && c.method === 'GET') return { body: { items: greetings } };
      if (c.path === '/voicemail-boxes/300/greetings/busy' && c.method === 'PUT') {
        greetings = [...greetings, { kind: 'busy', durationSeconds: 3, bytes: 48_000 }];
        return { body: { mailbox: '300', kind: 'busy', durationSeconds: 3, bytes: 48_000 } };
      }
      if (c.path === '/voicemail-boxes/300/messages' && c.method === 'GET') return { body: { items: messages } };
      if (c.path === '/voicemail-boxes/300/messages/m2' && c.method === 'DELETE') {
        messages = messages.filter((m) => m.id !== 'm2');
        return { status: 204 };
      }
      return undefined;
    });
    wrap(<MailboxPanel box="300" writable />);
    const unavailable = await screen.findByTestId('greeting-unavailable');
    expect(within(unavailable).getByTestId('greeting-unavailable-status').textContent).toBe('recorded, 4s');
    expect(unavailable.querySelector('audio')!.getAttribute('src')).toMatch(/^\/api\/v1\/voicemail-boxes\/300\/greetings\/unavailable\?v=/);
    const busy = screen.getByTestId('greeting-busy');
    expect(within(busy).getByTestId('greeting-busy-status').textContent).toBe('not recorded');
    expect(busy.querySelector('audio')).toBeNull();

    fireEvent.change(within(busy).getByTestId('greeting-upload-busy'), { target: { files: [new File(['x'], 'notes.txt', { type: 'text/plain' })] } });
    await within(busy).findByText(/not a WAV or MP3 file/);
    expect(writes()).toEqual([]);

    const file = new File([new Uint8Array([1, 2, 3])], 'busy.mp3', { type: 'audio/mpeg' });
    fireEvent.change(within(busy).getByTestId('greeting-upload-busy'), { target: { files: [file] } });
    await screen.findByText('Busy greeting uploaded (3s).');
    expect(writes()[0]).toMatchObject({ method: 'PUT', path: '/voicemail-boxes/300/greetings/busy', contentType: 'audio/mpeg' });
    expect(writes()[0]!.body).toBe(file);
    await waitFor(() => expect(within(busy).getByTestId('greeting-busy-status').textContent).toBe('recorded, 3s'));

    // Messages: new and heard counted, each playable, deletable after confirmation.
    const list = await screen.findByTestId('mailbox-messages');
    expect(screen.getByText('Messages: 1 new, 1 old')).toBeTruthy();
    const m1 = within(list).getByTestId('message-m1');
    expect(m1.textContent).toContain('0612345678');
    expect(m1.textContent).toContain('Rossi');
    fireEvent.click(within(m1).getByRole('button', { name: 'Listen to the message from 0612345678' }));
    expect(m1.querySelector('audio')!.getAttribute('src')).toBe('/api/v1/voicemail-boxes/300/messages/m1/audio');
    fireEvent.click(within(within(list).getByTestId('message-m2')).getByRole('button', { name: 'Delete message from 202' }));
    await confirmDialog('Delete');
    await screen.findByText('Message deleted.');
    await waitFor(() => expect(screen.queryByTestId('message-m2')).toBeNull());
    expect(writes().at(-1)).toMatchObject({ method: 'DELETE', path: '/voicemail-boxes/300/messages/m2' });
  });
});

describe('music files', () => {
  it('uploads several files one after the other and lists what the box refused', async () => {
    let files = [{ name: 'intro', bytes: 300_000, durationSeconds: 30 }];
    mockApi((c) => {
      if (c.path === '/moh-classes/jazz/files' && c.method === 'GET') return { body: { files } };
      if (c.method === 'PUT' && c.path === '/moh-classes/jazz/files/blue-in-green') {
        files = [...files, { name: 'blue-in-green', bytes: 1, durationSeconds: 1 }];
        return { body: {} };
      }
      if (c.method === 'PUT') return { status: 400, body: { error: { code: 'validation', message: 'not an audio file sox can read' } } };
      return undefined;
    });
    wrap(<MohFilesPanel objectKey="jazz" item={{ name: 'jazz' }} reload={() => {}} />);
    const panel = await screen.findByTestId('moh-files');
    await within(panel).findByTestId('moh-file-intro');
    const good = new File(['a'], 'Blue in Green.mp3', { type: 'audio/mpeg' });
    const bad = new File(['b'], 'fake.wav', { type: 'audio/wav' });
    const text = new File(['c'], 'readme.txt', { type: 'text/plain' });
    fireEvent.change(within(panel).getByTestId('moh-upload'), { target: { files: [good, bad, text] } });
    await within(panel).findByTestId('moh-file-blue-in-green');
    const problems = within(panel).getByTestId('moh-problems');
    expect(problems.textContent).toContain('fake.wav: not an audio file sox can read');
    expect(problems.textContent).toContain('readme.txt: This is not a WAV or MP3 file');
    expect(writes().map((c) => c.path)).toEqual(['/moh-classes/jazz/files/blue-in-green', '/moh-classes/jazz/files/fake']);
    await screen.findByText('1 file(s) added to jazz.');
  });
  it('names files as the box keeps them', () => {
    expect(mohFileName('Blue in Green.MP3')).toBe('blue-in-green');
    expect(mohFileName('__x.wav')).toBe('x');
    expect(mohFileName('01 Intro.wav')).toBe('file-01-intro');
    expect(mohFileName('ÀÈ.wav')).toMatch(/^file-/);
    expect(mohFileName(`${'a'.repeat(40)}.mp3`)).toHaveLength(32);
  });
});

// ---- conference --------------------------------------------------------------------------------

describe('conference panel', () => {
  it('lists participants, mutes, removes after confirmation and locks the room', async () => {
    let people = [
      { channel: 'PJSIP/201-00000001', callerNumber: '201', callerName: 'Anna', moderator: true, muted: false, joinedAt: '2026-05-04T10:00:00Z' },
      { channel: 'PJSIP/202-00000002', callerNumber: '202', callerName: 'Bea', moderator: false, muted: false, joinedAt: null },
    ];
    let locked = false;
    const list = () => ({ body: { conference: 'standup', items: people } });
    mockApi((c) => {
      if (c.path === '/conferences/standup/participants') return list();
      if (c.path === '/conferences/standup/status') return { body: { conference: 'standup', active: people.length > 0, locked, count: people.length } };
      if (c.path === '/conferences/standup/participants/PJSIP%2F202-00000002/mute') {
        people = people.map((p) => (p.callerNumber === '202' ? { ...p, muted: true } : p));
        return list();
      }
      if (c.path === '/conferences/standup/participants/PJSIP%2F202-00000002/kick') {
        people = people.filter((p) => p.callerNumber !== '202');
        return list();
      }
      if (c.path === '/conferences/standup/lock') {
        locked = true;
        return { body: { conference: 'standup', active: true, locked, count: people.length } };
      }
      return undefined;
    });
    wrap(<ConferencePanel objectKey="standup" item={{ name: 'standup' }} reload={() => {}} />);
    const panel = await screen.findByTestId('conference-live');
    const bea = await within(panel).findByTestId('participant-202');
    expect(within(within(panel).getByTestId('participant-201')).getByText('moderator')).toBeTruthy();
    expect(within(panel).getByTestId('conference-locked').textContent).toBe('open');

    fireEvent.click(within(bea).getByRole('button', { name: 'Mute 202 (Bea)' }));
    await within(bea).findByText('muted');
    // The channel name holds a slash: it travels encoded in one path segment.
    expect(writes()[0]!.path).toBe('/conferences/standup/participants/PJSIP%2F202-00000002/mute');

    fireEvent.click(within(bea).getByRole('button', { name: 'Remove 202 (Bea)' }));
    await confirmDialog('Remove');
    await waitFor(() => expect(within(panel).queryByTestId('participant-202')).toBeNull());
    expect(writes()[1]!.path).toBe('/conferences/standup/participants/PJSIP%2F202-00000002/kick');

    fireEvent.click(within(panel).getByTestId('conference-lock'));
    await waitFor(() => expect(within(panel).getByTestId('conference-locked').textContent).toBe('locked'));
    expect(writes()[2]).toMatchObject({ method: 'POST', path: '/conferences/standup/lock' });
  });
});

// ---- recordings --------------------------------------------------------------------------------

describe('recordings page', () => {
  it('lists with filters, plays, downloads and deletes after confirmation', async () => {
    const rec = (id: string, caller: string, callee: string, direction: string, startedAt: string, durationMs?: number, size?: number) => ({
      id,
      uniqueId: id,
      linkedId: id,
      caller,
      callee,
      direction,
      startedAt,
      ...(durationMs !== undefined ? { durationMs, size } : {}),
      policy: 'ext/201',
      mode: 'always',
      state: durationMs === undefined ? 'recording' : 'stored',
    });
    let items = [
      rec('r1', '0612345678', '201', 'in', '2026-05-04T10:00:00Z', 65_000, 1_100_000),
      rec('r2', '202', '201', 'internal', '2026-05-04T11:00:00Z', 5_000, 80_000),
      rec('r3', '203', '201', 'internal', '2026-05-04T12:00:00Z'),
    ];
    mockApi((c) => {
      if (c.path === '/recordings' && c.method === 'GET') {
        if (c.query.has('number') && !/^[0-9*#+]+$/.test(c.query.get('number')!)) return { status: 400, body: { error: { code: 'validation', message: 'bad number' } } };
        const d = c.query.get('direction');
        const n = c.query.get('number');
        const list = items.filter((i) => (!d || i.direction === d) && (!n || i.caller === n || i.callee === n));
        return { body: { items: list, total: list.length } };
      }
      if (c.path === '/recordings/r2' && c.method === 'DELETE') {
        items = items.filter((i) => i.id !== 'r2');
        return { status: 204 };
      }
      return undefined;
    }, { recordings: 'write', privacy: 'write' });
    wrap(<Recordings />);
    const row = await screen.findByTestId('recording-r1');
    expect(row.textContent).toContain('0612345678');
    expect(row.textContent).toContain('1:05');
    expect(row.textContent).toContain('Inbound');
    const download = within(row).getByRole('link', { name: 'Download recording 0612345678 → 201' });
    expect(download.getAttribute('href')).toBe('/api/v1/recordings/r1/audio');
    fireEvent.click(within(row).getByRole('button', { name: 'Listen to recording 0612345678 → 201' }));
    expect((await screen.findByTestId('recording-player')).getAttribute('src')).toBe('/api/v1/recordings/r1/audio');

    // Still being recorded: no player, no download, no delete yet.
    const r3 = screen.getByTestId('recording-r3');
    expect(r3.textContent).toContain('recording…');
    expect(within(r3).queryByRole('button')).toBeNull();
    expect(within(r3).queryByRole('link')).toBeNull();

    // A number the API would refuse is caught here; a spaced one is cleaned.
    fireEvent.change(screen.getByLabelText('Number'), { target: { value: 'rossi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText(/Type a whole number/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Number'), { target: { value: '20 2' } });
    fireEvent.change(screen.getByLabelText('Direction'), { target: { value: 'internal' } });
    fireEvent.change(screen.getByLabelText('From (day)'), { target: { value: '2026-05-04' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(screen.queryByTestId('recording-r1')).toBeNull());
    expect(screen.queryByTestId('recording-r3')).toBeNull();
    const q = calls.filter((c) => c.path === '/recordings').at(-1)!.query;
    expect(q.get('direction')).toBe('internal');
    expect(q.get('number')).toBe('202');
    expect(new Date(q.get('from')!).getTime()).toBe(new Date('2026-05-04T00:00:00').getTime());
    expect(calls.filter((c) => c.path === '/recordings').every((c) => !c.query.get('number') || /^[0-9]+$/.test(c.query.get('number')!))).toBe(true);

    fireEvent.click(within(screen.getByTestId('recording-r2')).getByRole('button', { name: 'Delete recording 202 → 201' }));
    await confirmDialog('Delete');
    await screen.findByText('Recording deleted.');
    await screen.findByText('No recordings match.');
    expect(writes()).toEqual([expect.objectContaining({ method: 'DELETE', path: '/recordings/r2' })]);
  });

  it('offers no delete to a role that may only listen', async () => {
    mockApi((c) => (c.path === '/recordings' ? { body: { items: [{ id: 'r1', caller: '201', callee: '202', direction: 'internal', startedAt: '2026-05-04T10:00:00Z', durationMs: 3000, size: 48_000, state: 'stored', mode: 'onDemand' }], total: 1 } } : undefined), { recordings: 'read' });
    wrap(<Recordings />);
    const row = await screen.findByTestId('recording-r1');
    expect(within(row).queryByRole('button', { name: /Delete/ })).toBeNull();
    expect(within(row).getByRole('button', { name: /Listen/ })).toBeTruthy();
  });
});

// ---- generic form ------------------------------------------------------------------------------

describe('SchemaForm for the user services', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      pin: { type: 'string', pattern: '^[0-9]{4,12}$' },
      mobile: { type: 'object', properties: { number: { type: 'string' }, enabled: { type: 'boolean', default: true }, delay: { type: 'integer', default: 0 } }, required: ['number'] },
      recording: { type: 'object', default: { mode: 'never', calls: 'all' }, properties: { mode: { type: 'string', enum: ['never', 'always', 'onDemand'] }, calls: { type: 'string', enum: ['all', 'internal', 'external'] } } },
      strategy: { type: 'string', enum: ['all', 'order'] },
    },
  };
  let last: Record<string, unknown> = {};
  function Harness() {
    const [v, setV] = useState<Record<string, unknown>>({ recording: { mode: 'never', calls: 'all' } });
    last = v;
    return <SchemaForm schema={schema} value={v} onChange={setV} />;
  }
  it('labels "all" by field, generates PINs, and keeps an untouched optional object absent', async () => {
    mockApi((c) => (c.path === '/passwords/generate' ? { body: { password: c.query.get('kind') === 'pin' ? '482913' : 'x' } } : undefined));
    wrap(<Harness />);
    const calls_ = document.getElementById('f-recording_calls') as HTMLSelectElement;
    expect(calls_.selectedOptions[0]!.textContent).toBe('All calls');
    const strategy = document.getElementById('f-strategy') as HTMLSelectElement;
    expect([...strategy.options].map((o) => o.textContent)).toContain('All at once');
    expect((document.getElementById('f-recording_mode') as HTMLSelectElement).selectedOptions[0]!.textContent).toBe('Never');

    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect((document.getElementById('f-pin') as HTMLInputElement).value).toBe('482913'));
    expect(calls.find((c) => c.path === '/passwords/generate')!.query.get('kind')).toBe('pin');

    // The mobile shows its defaults while absent, and goes back to absent once cleared.
    expect((document.getElementById('f-mobile_enabled') as HTMLInputElement).checked).toBe(true);
    expect(last.mobile).toBeUndefined();
    fireEvent.change(document.getElementById('f-mobile_number')!, { target: { value: '3331234567' } });
    expect(last.mobile).toEqual({ number: '3331234567', enabled: true, delay: 0 });
    fireEvent.change(document.getElementById('f-mobile_number')!, { target: { value: '' } });
    expect(last.mobile).toBeUndefined();
  });
});
