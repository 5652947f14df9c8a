// AMI users for CRMs, rendered into manager.conf from the model: a real AMI client over TCP
// (raw sockets speaking the protocol, as a CRM would) logs in and sees the events of a real
// SIPp call; networks, secrets and write classes are enforced by Asterisk itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startPbx, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp } from '../lib/sipp.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const CRM_SECRET = 'Lead-Kq7v-Tz9w';
const REMOTE_SECRET = 'Far-Pq8x-Wm3z';
const PW: Record<string, string> = { '202': 'Bob-desk-7Kqz', '208': 'Hugo-desk-7Kqz' };

function config(crmWrite: ('call' | 'originate')[]): PbxConfigInput {
  return {
    // Several test instances share the host: listen on loopback only (the permit decides who logs in).
    system: { name: 'AMI users test', amiBindAddress: '127.0.0.1' },
    extensions: [
      { number: '202', name: 'Bob', devices: [{ username: '202', password: PW['202']! }] },
      { number: '208', name: 'Hugo', devices: [{ username: '208', password: PW['208']! }] },
    ],
    amiUsers: [
      { username: 'crm', secret: CRM_SECRET, read: ['call', 'cdr'], write: crmWrite, permit: ['127.0.0.0/8'] },
      { username: 'remote', secret: REMOTE_SECRET, read: ['call'], write: [], permit: ['10.0.0.0/8'] },
    ],
  };
}

type Message = Record<string, string>;

/** A minimal AMI client: one TCP connection, actions answered by ActionID, events collected. */
class RawAmi {
  readonly events: Message[] = [];
  private readonly socket: Socket;
  private buffer = '';
  private banner = false;
  private nextId = 1;
  private readonly waiting = new Map<string, (m: Message) => void>();
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    this.closed = new Promise((res) => socket.once('close', () => res()));
  }

  static open(port: number): Promise<RawAmi> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawAmi(s)));
      s.once('error', reject);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (!this.banner) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return;
      assert.match(this.buffer.slice(0, eol), /^Asterisk Call Manager\//);
      this.buffer = this.buffer.slice(eol + 2);
      this.banner = true;
    }
    for (let end = this.buffer.indexOf('\r\n\r\n'); end >= 0; end = this.buffer.indexOf('\r\n\r\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      const m: Message = {};
      for (const line of block.split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0 && !(line.slice(0, i) in m)) m[line.slice(0, i)] = line.slice(i + 1).trim();
      }
      const id = m.ActionID;
      if (m.Response !== undefined && id !== undefined && this.waiting.has(id)) {
        this.waiting.get(id)!(m);
        this.waiting.delete(id);
      } else if (m.Event !== undefined) this.events.push(m);
    }
  }

  action(fields: Record<string, string>, timeoutMs = 10_000): Promise<Message> {
    const id = String(this.nextId++);
    const text = Object.entries({ ...fields, ActionID: id }).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${fields.Action} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.socket.write(text);
    });
  }

  login(username: string, secret: string): Promise<Message> {
    return this.action({ Action: 'Login', Username: username, Secret: secret, Events: 'on' });
  }

  close(): void {
    this.socket.destroy();
  }
}

let pbx: PbxInstance;
const clients: RawAmi[] = [];
async function client(): Promise<RawAmi> {
  const c = await RawAmi.open(pbx.amiPort);
  clients.push(c);
  return c;
}

before(async () => {
  pbx = await startPbx(config([]));
});
after(async () => {
  for (const c of clients) c.close();
  await stopAllSipp();
  await pbx?.stop();
});

test('Asterisk holds the AMI users of the model', async () => {
  const users = await pbx.daemon.control.command('manager show users');
  assert.match(users, /^\s*crm\b/m, users);
  assert.match(users, /^\s*remote\b/m, users);
});

test('a CRM user logs in over TCP and receives the events of a call between two extensions', async () => {
  const crm = await client();
  const login = await crm.login('crm', CRM_SECRET);
  assert.equal(login.Response, 'Success', JSON.stringify(login));

  const callee = await startSipp({ scenario: 'phone-uas.xml', remote: `127.0.0.1:${pbx.sipPort}`, user: '202', password: PW['202']!, timeoutMs: 40_000 });
  await callee.waitForRegistration(10_000);
  const r = await runSipp({ scenario: 'uac-call.xml', remote: `127.0.0.1:${pbx.sipPort}`, service: '202', user: '208', password: PW['208']!, holdMs: 500, timeoutMs: 40_000 });
  assert.equal(r.ok, true, r.stderr + r.logs);
  assert.equal((await callee.done).ok, true);

  const channelOf = (prefix: string) => (e: Message) => (e.Channel ?? '').startsWith(prefix);
  await waitFor(() => crm.events.filter((e) => e.Event === 'Hangup').length >= 2, 15_000, 'both Hangup events');
  const ev = crm.events;
  const newCaller = ev.find((e) => e.Event === 'Newchannel' && channelOf('PJSIP/208-')(e));
  assert.ok(newCaller, `Newchannel of the caller: ${ev.map((e) => e.Event).join(' ')}`);
  assert.equal(newCaller.CallerIDNum, '208');
  assert.equal(newCaller.Exten, '202');
  assert.ok(ev.some((e) => e.Event === 'Newchannel' && channelOf('PJSIP/202-')(e)), 'Newchannel of the callee');
  const dialBegin = ev.find((e) => e.Event === 'DialBegin' && (e.DestChannel ?? '').startsWith('PJSIP/202-'));
  assert.ok(dialBegin, 'DialBegin towards 202');
  assert.ok(ev.some((e) => e.Event === 'DialEnd' && e.DialStatus === 'ANSWER' && (e.DestChannel ?? '').startsWith('PJSIP/202-')), 'DialEnd ANSWER');
  assert.ok(ev.some((e) => e.Event === 'BridgeEnter' && channelOf('PJSIP/208-')(e)), 'the caller entered a bridge');
  const hangups = ev.filter((e) => e.Event === 'Hangup');
  assert.ok(hangups.some(channelOf('PJSIP/208-')) && hangups.some(channelOf('PJSIP/202-')), 'Hangup of both channels');
  // read=call,cdr: system events (the supervisor's reloads and the like) are not sent.
  assert.equal(ev.some((e) => e.Event === 'Reload' || e.Event === 'FullyBooted'), false);
});

test('a user whose permitted network is not the client address is refused', async () => {
  const c = await client();
  const r = await c.login('remote', REMOTE_SECRET);
  assert.equal(r.Response, 'Error');
  assert.match(r.Message ?? '', /Authentication failed/);
});

test('a wrong secret is refused', async () => {
  const c = await client();
  const r = await c.login('crm', 'Lead-Kq7v-Tz9x');
  assert.equal(r.Response, 'Error');
  assert.match(r.Message ?? '', /Authentication failed/);
});

test('without the originate write class Originate is denied; granting it takes effect on apply', async () => {
  const originate = { Action: 'Originate', Channel: 'Local/999@pbx-nowhere', Application: 'Wait', Data: '1', Async: 'true' };
  const c = await client();
  assert.equal((await c.login('crm', CRM_SECRET)).Response, 'Success');
  const denied = await c.action(originate);
  assert.equal(denied.Response, 'Error');
  assert.match(denied.Message ?? '', /Permission denied/);

  await pbx.apply(config(['originate']));
  const c2 = await client();
  assert.equal((await c2.login('crm', CRM_SECRET)).Response, 'Success');
  const allowed = await c2.action(originate);
  assert.doesNotMatch(allowed.Message ?? '', /Permission denied/, JSON.stringify(allowed));

  // Taken away again: an empty write list must revoke it (Asterisk keeps old classes when the line is missing).
  await pbx.apply(config([]));
  const c3 = await client();
  assert.equal((await c3.login('crm', CRM_SECRET)).Response, 'Success');
  assert.match((await c3.action(originate)).Message ?? '', /Permission denied/);
});
