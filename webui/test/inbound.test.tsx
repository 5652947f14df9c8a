// Inbound call handling pages against a mocked API: the IVR and queue wizards (each step refuses
// what the server would, the final POST body, API errors sent back to their step), the switch
// state control (PUT, live SSE updates, read-only roles), the queue panel's agent buttons, prompt
// uploads, and the generic form's paging of long lists.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeEvents } from '../src/lib/events.ts';
import { ARRAY_PAGE, SchemaForm } from '../src/components/SchemaForm.tsx';
import type { JsonSchema } from '../src/lib/schema.ts';
import { IvrWizard, QueueWizard, ivrStepOf, queueStepOf } from '../src/pages/InboundWizards.tsx';
import { PromptAudio, QueueStatusPanel, SwitchStatePanel, audioType, csvRows } from '../src/pages/InboundPanels.tsx';
import { FakeEventSource, source } from './fake-event-source.ts';
import { mockFetch, wrap, type Answer, type Call } from './helpers.tsx';

// ---- a trimmed copy of the server's schemas (same shapes as /api/v1/openapi.json) --------------

const one = (key: string, ref?: string, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  properties: { [key]: { type: 'string', ...(ref ? { 'x-ref': ref } : {}) }, ...extra },
  required: [key],
  additionalProperties: false,
});
const DEST: JsonSchema = {
  anyOf: [one('extension', 'extensions'), one('external'), { type: 'object', properties: { hangup: { type: 'boolean', const: true } }, required: ['hangup'] }, one('ivr', 'ivrs'), one('queue', 'queues')],
};
const PROMPT: JsonSchema = { anyOf: [one('builtin'), one('custom', 'prompts')] };
const member: JsonSchema = { type: 'object', properties: { extension: { type: 'string', 'x-ref': 'extensions' }, penalty: { type: 'integer', default: 0 } }, required: ['extension'] };
const IVR: JsonSchema = {
  type: 'object',
  required: ['name', 'greeting'],
  properties: {
    name: { type: 'string' },
    number: { type: 'string' },
    description: { type: 'string' },
    language: { type: 'string', enum: ['en', 'it'] },
    greeting: PROMPT,
    options: { type: 'array', default: [], items: { type: 'object', properties: { key: { type: 'string', enum: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] }, destination: DEST }, required: ['key', 'destination'] } },
    directDial: { type: 'boolean', default: false },
    timeout: { type: 'integer', default: 5 },
    retries: { type: 'integer', default: 2 },
    invalidPrompt: { ...PROMPT, default: { builtin: 'invalid' } },
    fallback: { ...DEST, default: { hangup: true } },
  },
};
const QUEUE: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    number: { type: 'string' },
    description: { type: 'string' },
    strategy: { type: 'string', enum: ['ringall', 'linear', 'leastrecent', 'fewestcalls', 'rrmemory', 'random'], default: 'ringall' },
    members: { type: 'array', items: member, default: [] },
    dynamicMembers: { type: 'array', items: member, default: [] },
    memberRingTime: { type: 'integer', default: 15 },
    wrapUpTime: { type: 'integer', default: 0 },
    autoPause: { type: 'boolean', default: false },
    announceFrequency: { type: 'integer', default: 30 },
    announcePosition: { type: 'boolean', default: true },
    announceHoldTime: { type: 'boolean', default: true },
    periodicAnnouncement: PROMPT,
    periodicFrequency: { type: 'integer', default: 60 },
    agentAnnouncement: PROMPT,
    maxWait: { type: 'integer', default: 0 },
    maxLength: { type: 'integer', default: 0 },
    joinEmpty: { type: 'boolean', default: true },
    timeoutDestination: { ...DEST, default: { hangup: true } },
    fullDestination: DEST,
    openHours: { type: 'string', 'x-ref': 'time-conditions' },
  },
};
const body = (schema: JsonSchema) => ({ post: { requestBody: { content: { 'application/json': { schema } } } } });
const OPENAPI = { paths: { '/ivrs': body(IVR), '/queues': body(QUEUE) } };

// ---- fetch mock --------------------------------------------------------------------------------

let calls: Call[] = [];
const list = (items: unknown[]) => ({ items, total: items.length, limit: 50, offset: 0 });
const ADMIN = { ivr: 'write', groups: 'write', switches: 'write', routing: 'read', extensions: 'read' };

function mockApi(handler: (c: Call) => Answer, permissions: Record<string, string> = ADMIN) {
  calls = mockFetch(handler, { me: { kind: 'user', name: 'admin', mustChangePassword: false, permissions }, openapi: OPENAPI });
}

const type = (el: Element, value: string) => fireEvent.change(el, { target: { value } });
const byId = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el as HTMLInputElement;
};
const next = () => fireEvent.click(screen.getByTestId('wizard-next'));
const step = (id: string) => screen.findByTestId(id);

beforeEach(() => {
  localStorage.setItem('pbx.lang', 'en');
  FakeEventSource.instances = [];
  (globalThis as { EventSource?: unknown }).EventSource = FakeEventSource;
});
afterEach(() => {
  cleanup();
  closeEvents();
  vi.restoreAllMocks();
});

// ---- IVR wizard --------------------------------------------------------------------------------

describe('IVR wizard', () => {
  const posted = () => calls.filter((c) => c.method === 'POST' && c.path === '/ivrs').map((c) => c.body);

  async function toOptions() {
    wrap(<IvrWizard />);
    await step('ivrwiz-step-identity');
    expect(screen.getByTestId('ivr-wizard')).toBeTruthy();
    type(byId('iw-name'), 'Main Menu');
    type(byId('iw-number'), '5');
    next();
    // Both problems at once, next to their fields; the step stays.
    await waitFor(() => expect(byId('iw-name-err').textContent).toMatch(/lowercase letters/));
    expect(byId('iw-number-err').textContent).toMatch(/2 to 8 digits/);
    expect(byId('iw-name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('ivrwiz-step-identity')).toBeTruthy();
    type(byId('iw-name'), 'taken');
    type(byId('iw-number'), '500');
    next();
    await waitFor(() => expect(byId('iw-name-err').textContent).toMatch(/taken already exists/));
    type(byId('iw-name'), 'main');
    type(byId('iw-language'), 'it');
    next();
    await step('ivrwiz-step-greeting');
    // A built-in prompt needs its name.
    next();
    await waitFor(() => expect(byId('iw-greeting-builtin-err').textContent).toMatch(/name of a prompt/));
    type(byId('iw-greeting-builtin'), 'demo-congrats');
    next();
    await step('ivrwiz-step-options');
  }

  it('checks each step and posts the whole menu at the end', async () => {
    mockApi((c) => {
      if (c.path === '/ivrs/taken') return { body: { name: 'taken' } };
      if (c.path === '/prompts') return { body: list([]) };
      if (c.method === 'POST' && c.path === '/ivrs') return { status: 201, body: { item: c.body, revision: 2 } };
      return undefined;
    });
    await toOptions();
    fireEvent.click(screen.getByTestId('ivr-add-option'));
    fireEvent.click(screen.getByTestId('ivr-add-option'));
    // Each new row takes the next free key.
    expect(byId('iw-key-0').value).toBe('1');
    expect(byId('iw-key-1').value).toBe('2');
    type(byId('iw-key-1'), '1');
    next();
    await waitFor(() => expect(byId('iw-key-1-err').textContent).toMatch(/Key 1 is used twice/));
    expect(document.getElementById('f-options_0__destination-err')?.textContent).toMatch(/Choose where the call goes/);
    type(byId('iw-key-1'), '9');
    type(byId('f-options_0__destination_extension'), ' 201 ');
    // Key 9: hang up (the third kind of the server's destination union).
    type(byId('f-options_1__destination-kind'), '2');
    next();
    await step('ivrwiz-step-behaviour');
    type(byId('iw-timeout'), '0');
    next();
    await waitFor(() => expect(byId('iw-timeout-err').textContent).toMatch(/from 1 to 60/));
    type(byId('iw-timeout'), '7');
    fireEvent.click(byId('iw-direct'));
    type(byId('f-fallback-kind'), '3');
    next();
    await waitFor(() => expect(document.getElementById('f-fallback-err')?.textContent).toMatch(/Choose where/));
    type(byId('f-fallback_ivr'), 'other');
    next();
    const review = await step('ivrwiz-step-review');
    expect(within(review).getByText(/Built-in prompt demo-congrats/)).toBeTruthy();
    expect(posted()).toEqual([]);
    fireEvent.click(screen.getByTestId('wizard-finish'));
    await step('ivrwiz-done');
    expect(posted()).toEqual([
      {
        name: 'main',
        number: '500',
        language: 'it',
        greeting: { builtin: 'demo-congrats' },
        options: [
          { key: '1', destination: { extension: '201' } },
          { key: '9', destination: { hangup: true } },
        ],
        directDial: true,
        timeout: 7,
        retries: 2,
        invalidPrompt: { builtin: 'invalid' },
        fallback: { ivr: 'other' },
      },
    ]);
  });

  it('takes the user back to the step of the field the API refused', async () => {
    mockApi((c) => {
      if (c.path === '/ivrs/taken') return { body: { name: 'taken' } };
      if (c.path === '/prompts') return { body: list([]) };
      if (c.method === 'POST' && c.path === '/ivrs') return { status: 400, body: { error: { code: 'validation_failed', message: 'Invalid IVR', fields: [{ path: 'options[0].destination.extension', message: 'extension 299 does not exist' }] } } };
      return undefined;
    });
    await toOptions();
    fireEvent.click(screen.getByTestId('ivr-add-option'));
    type(byId('f-options_0__destination_extension'), '299');
    next();
    await step('ivrwiz-step-behaviour');
    next();
    await step('ivrwiz-step-review');
    fireEvent.click(screen.getByTestId('wizard-finish'));
    await step('ivrwiz-step-options');
    expect(screen.getByTestId('step-error').textContent).toMatch(/Invalid IVR/);
    expect(byId('f-options_0__destination_extension-err').textContent).toBe('extension 299 does not exist');
  });

  it('makes a new recording in the greeting step and uploads its audio there', async () => {
    const prompts: { name: string }[] = [];
    mockApi((c) => {
      if (c.path === '/prompts' && c.method === 'GET') return { body: list(prompts) };
      if (c.path === '/prompts' && c.method === 'POST') {
        prompts.push(c.body as { name: string });
        return { status: 201, body: { item: c.body, revision: 3 } };
      }
      if (c.path === '/prompts/welcome/audio' && c.method === 'GET') return { body: { languages: calls.some((x) => x.method === 'PUT') ? [{ language: 'en', durationSeconds: 4.2, bytes: 67000 }] : [] } };
      if (c.path === '/prompts/welcome/audio/en' && c.method === 'PUT') return { body: { prompt: 'welcome', language: 'en', durationSeconds: 4.2, bytes: 67000 } };
      if (c.path === '/ivrs/main') return undefined;
      return undefined;
    });
    wrap(<IvrWizard />);
    await step('ivrwiz-step-identity');
    type(byId('iw-name'), 'main');
    next();
    await step('ivrwiz-step-greeting');
    fireEvent.click(screen.getByTestId('iw-greeting-kind-custom'));
    // No recordings yet: the form for a new one opens by itself.
    await screen.findByTestId('iw-greeting-new');
    type(byId('iw-greeting-new-name'), 'welcome');
    fireEvent.click(screen.getByTestId('iw-greeting-create'));
    const upload = await screen.findByTestId('prompt-upload-en');
    const file = new File([new Uint8Array([82, 73, 70, 70])], 'welcome.wav', { type: 'audio/wav' });
    fireEvent.change(upload, { target: { files: [file] } });
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT' && c.path === '/prompts/welcome/audio/en' && c.contentType === 'audio/wav')).toBe(true));
    await waitFor(() => expect(document.querySelector('audio')?.getAttribute('src')).toMatch(/^\/api\/v1\/prompts\/welcome\/audio\/en\?v=/));
    expect(calls.find((c) => c.method === 'POST' && c.path === '/prompts')?.body).toEqual({ name: 'welcome' });
    next();
    await step('ivrwiz-step-options');
  });

  it('maps API error paths to steps', () => {
    expect(ivrStepOf('name')).toBe(0);
    expect(ivrStepOf('number')).toBe(0);
    expect(ivrStepOf('greeting.custom')).toBe(1);
    expect(ivrStepOf('options[3].key')).toBe(2);
    expect(ivrStepOf('fallback.ivr')).toBe(3);
    expect(queueStepOf('dynamicMembers[0].extension')).toBe(1);
    expect(queueStepOf('periodicFrequency')).toBe(2);
    expect(queueStepOf('openHours')).toBe(3);
    expect(queueStepOf('numberx')).toBe(3);
  });
});

// ---- queue wizard ------------------------------------------------------------------------------

describe('queue wizard', () => {
  it('collects agents with penalties and limits, then posts the queue', async () => {
    mockApi((c) => {
      if (c.path === '/extensions') return { body: list([{ number: '201', name: 'Anna' }]) };
      if (c.method === 'POST' && c.path === '/queues') return { status: 201, body: { item: { ...(c.body as object) }, revision: 5 } };
      return undefined;
    });
    wrap(<QueueWizard />);
    await step('queuewiz-step-identity');
    expect(screen.getByTestId('queue-wizard')).toBeTruthy();
    type(byId('qw-name'), 'support');
    type(byId('qw-number'), '600');
    next();
    await step('queuewiz-step-members');
    expect(byId('qw-strategy').value).toBe('ringall');
    type(byId('qw-strategy'), 'leastrecent');
    fireEvent.click(screen.getByTestId('queue-add-members'));
    fireEvent.click(screen.getByTestId('queue-add-dynamicMembers'));
    type(byId('qw-members-0-ext'), '201');
    type(byId('qw-dynamicMembers-0-ext'), '201');
    type(byId('qw-dynamicMembers-0-pen'), '101');
    next();
    await waitFor(() => expect(byId('qw-dynamicMembers-0-ext-err').textContent).toMatch(/201 is in the queue twice/));
    expect(byId('qw-dynamicMembers-0-pen-err').textContent).toMatch(/from 0 to 100/);
    type(byId('qw-dynamicMembers-0-ext'), '202');
    type(byId('qw-dynamicMembers-0-pen'), '5');
    next();
    await step('queuewiz-step-experience');
    fireEvent.click(screen.getByTestId('qw-periodic-kind-builtin'));
    type(byId('qw-periodic-builtin'), 'queue-periodic-announce');
    type(byId('qw-periodicFrequency'), '45');
    type(byId('qw-announceFrequency'), '0');
    next();
    await step('queuewiz-step-limits');
    type(byId('qw-maxWait'), '300');
    fireEvent.click(byId('qw-joinEmpty'));
    type(byId('f-timeoutDestination-kind'), '1');
    type(byId('f-timeoutDestination_external'), '+390612345');
    type(byId('f-fullDestination-kind'), '0');
    next();
    await waitFor(() => expect(document.getElementById('f-fullDestination-err')?.textContent).toMatch(/Choose where/));
    type(byId('f-fullDestination_extension'), '201');
    type(byId('qw-openHours'), 'office');
    next();
    await step('queuewiz-step-review');
    fireEvent.click(screen.getByTestId('wizard-finish'));
    await step('queuewiz-done');
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/queues').map((c) => c.body)).toEqual([
      {
        name: 'support',
        number: '600',
        strategy: 'leastrecent',
        members: [{ extension: '201', penalty: 0 }],
        dynamicMembers: [{ extension: '202', penalty: 5 }],
        memberRingTime: 15,
        wrapUpTime: 0,
        autoPause: false,
        announceFrequency: 0,
        announcePosition: true,
        announceHoldTime: true,
        periodicAnnouncement: { builtin: 'queue-periodic-announce' },
        periodicFrequency: 45,
        maxWait: 300,
        maxLength: 0,
        joinEmpty: false,
        timeoutDestination: { external: '+390612345' },
        fullDestination: { extension: '201' },
        openHours: 'office',
      },
    ]);
  });
});

// ---- switch state ------------------------------------------------------------------------------

describe('switch state control', () => {
  const item = { name: 'night', states: [{ name: 'day', destination: { ivr: 'main' } }, { name: 'night', destination: { hangup: true } }] };

  it('shows the state, changes it with PUT and follows changes made elsewhere', async () => {
    let state = 'day';
    mockApi((c) => {
      if (c.path === '/switches/night/state' && c.method === 'GET') return { body: { switch: 'night', state, states: ['day', 'night'] } };
      if (c.path === '/switches/night/state' && c.method === 'PUT') {
        state = (c.body as { state: string }).state;
        return { body: { switch: 'night', state, states: ['day', 'night'] } };
      }
      return undefined;
    });
    wrap(<SwitchStatePanel objectKey="night" item={item} reload={() => {}} />);
    const select = (await screen.findByTestId('switch-state')) as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(false));
    expect(select.value).toBe('day');
    expect(screen.getByText(/Calls go to: IVR menu main/)).toBeTruthy();
    fireEvent.change(select, { target: { value: 'night' } });
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT' && (c.body as { state: string }).state === 'night')).toBe(true));
    await waitFor(() => expect(screen.getByText(/Switch night is now night/)).toBeTruthy());
    expect(select.value).toBe('night');
    // A phone dialled the code: the event moves the control.
    await waitFor(() => expect(FakeEventSource.instances.length).toBeGreaterThan(0));
    expect(source().url).toContain('switch.changed');
    act(() => source().emit('switch.changed', { switch: 'other', state: 'day', by: '201' }));
    expect(select.value).toBe('night');
    act(() => source().emit('switch.changed', { switch: 'night', state: 'day', by: 'extension 201' }));
    expect(select.value).toBe('day');
    expect(screen.getByText(/Last changed by extension 201/)).toBeTruthy();
  });

  it('is read-only without switches write', async () => {
    mockApi((c) => (c.path === '/switches/night/state' ? { body: { switch: 'night', state: 'night', states: ['day', 'night'] } } : undefined), { switches: 'read' });
    wrap(<SwitchStatePanel objectKey="night" item={item} reload={() => {}} />);
    const select = (await screen.findByTestId('switch-state')) as HTMLSelectElement;
    await waitFor(() => expect(screen.getByText(/may look but not change/)).toBeTruthy());
    expect(select.disabled).toBe(true);
    expect(select.value).toBe('night');
  });
});

// ---- queue status, prompts, helpers ------------------------------------------------------------

describe('queue status panel', () => {
  it('lists callers and agents and logs an agent in, refreshing on queue events', async () => {
    let loggedIn = false;
    const status = () => ({
      queue: 'support',
      callers: [{ position: 1, callerNumber: '0612345', callerName: 'Rossi', waitSeconds: 42 }],
      members: [{ extension: '202', name: 'Bea', dynamic: true, loggedIn, paused: false, inCall: false, callsTaken: 3, lastCallAt: null }],
    });
    mockApi((c) => {
      if (c.path === '/queues/support/status') return { body: status() };
      if (c.path === '/queues/support/members/202/login' && c.method === 'POST') {
        loggedIn = true;
        // The API answers with the queue's new status.
        return { body: status() };
      }
      return undefined;
    });
    wrap(<QueueStatusPanel objectKey="support" item={{ name: 'support' }} reload={() => {}} />);
    const panel = await screen.findByTestId('queue-status');
    await within(panel).findByText('0612345');
    expect(within(panel).getByText(/Callers waiting: 1/)).toBeTruthy();
    expect(within(panel).getByText('logged out')).toBeTruthy();
    fireEvent.click(within(panel).getByRole('button', { name: 'Log in 202' }));
    await within(panel).findByText('available');
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/queues/support/members/202/login']);
    const before = calls.filter((c) => c.path === '/queues/support/status').length;
    await waitFor(() => expect(FakeEventSource.instances.length).toBeGreaterThan(0));
    act(() => source().emit('queue.caller.left', { queue: 'support' }));
    await waitFor(() => expect(calls.filter((c) => c.path === '/queues/support/status').length).toBe(before + 1));
  });
});

describe('prompt audio', () => {
  it('refuses other files before uploading', async () => {
    mockApi((c) => (c.path === '/prompts/hello/audio' ? { body: { languages: [] } } : undefined));
    wrap(<PromptAudio prompt="hello" writable />);
    const input = await screen.findByTestId('prompt-upload-it');
    fireEvent.change(input, { target: { files: [new File(['x'], 'notes.txt', { type: 'text/plain' })] } });
    await screen.findByText(/not a WAV or MP3 file/);
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
  });
  it('recognises WAV and MP3 by type or name, and counts CSV rows', () => {
    expect(audioType({ name: 'a.WAV', type: '' })).toBe('audio/wav');
    expect(audioType({ name: 'a', type: 'audio/mpeg' })).toBe('audio/mpeg');
    expect(audioType({ name: 'a.ogg', type: 'audio/ogg' })).toBe(null);
    expect(csvRows('key,route\n1234,sales\n\n5678,support\n')).toBe(2);
  });
});

// ---- generic form: long lists ------------------------------------------------------------------

describe('SchemaForm lists', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      table: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, route: { type: 'string' } }, required: ['key', 'route'] } },
      bands: { type: 'array', items: { type: 'object', properties: { days: { type: 'array', items: { type: 'string', enum: ['mon', 'tue'] } }, from: { type: 'string', pattern: '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' } } } },
      holidays: { type: 'array', items: { type: 'object', properties: { from: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } } } },
    },
  };
  function Harness({ initial, errors }: { initial: Record<string, unknown>; errors?: { path: string; message: string }[] }) {
    const [v, setV] = useState(initial);
    return <SchemaForm schema={schema} value={v} onChange={setV} errors={errors} />;
  }
  it('pages a long table and opens the page of the first error', async () => {
    const table = Array.from({ length: 60 }, (_, i) => ({ key: String(1000 + i), route: 'sales' }));
    wrap(<Harness initial={{ table, bands: [{ days: ['mon'], from: '08:30' }], holidays: [{ from: '2026-12-25' }] }} errors={[{ path: 'table[55].route', message: 'no such route' }]} />);
    expect(await screen.findByText('no such route')).toBeTruthy();
    expect(document.getElementById('f-table_0__key')).toBeNull();
    expect(byId('f-table_55__route').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(`${2 * ARRAY_PAGE + 1}–60 of 60`)).toBeTruthy();
    fireEvent.click(screen.getAllByRole('button', { name: 'Previous' })[0]!);
    expect(byId(`f-table_${ARRAY_PAGE}__key`).value).toBe(String(1000 + ARRAY_PAGE));
    // Items are named by the translation of one element; days and dates read as people write them.
    expect(screen.getAllByRole('button', { name: /Add row/ }).length).toBe(1);
    expect(screen.getByRole('group', { name: 'Band 1' })).toBeTruthy();
    expect((screen.getByLabelText('Mon') as HTMLInputElement).checked).toBe(true);
    expect(byId('f-holidays_0__from').type).toBe('date');
    expect(byId('f-bands_0__from').placeholder).toBe('hh:mm');
  });
});
