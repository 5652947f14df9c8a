// Multi-level IVRs and dynamic routing on a real Asterisk 22: a carrier (SIPp on 127.0.0.2)
// calls a DID that leads to an IVR, SIPp sends RFC 4733 DTMF, and which SIPp phone receives
// the INVITE tells where the call went. The web service of the dynamic routing is a local HTTP
// server; the table variant is the lookup's own table.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPbx, type PbxInstance } from '../lib/pbx.ts';
import { runSipp, startSipp, stopAllSipp, type SippProcess, type SippResult } from '../lib/sipp.ts';
import type { PbxConfigInput } from '../../src/domain/model.ts';

const PW = (u: string) => `Sip-${[...u].map((c) => 'kmnpqrstvw'[Number(c)] ?? c).join('')}-9x`;
const dev = (u: string) => ({ username: u, password: PW(u) });
const PHONES = ['201', '202', '203'] as const;

let pbx: PbxInstance;
let web: Server;
let webPort: number;
const requests: URLSearchParams[] = [];

function config(): PbxConfigInput {
  return {
    system: { name: 'IVR test', language: 'en', timezone: 'UTC' },
    extensions: PHONES.map((n) => ({ number: n, name: `Phone ${n}`, devices: [dev(n)] })),
    trunks: [{ name: 'carrier1', type: 'ip', host: '127.0.0.2', port: 5999, qualify: false }],
    inboundRoutes: [
      { did: '0612345700', destination: { ivr: 'main' } },
      { did: '0612345701', destination: { lookup: 'bycaller' } },
    ],
    ivrs: [
      {
        name: 'main',
        greeting: { builtin: 'beep' },
        timeout: 2,
        retries: 1,
        options: [
          { key: '1', destination: { extension: '201' } },
          { key: '5', destination: { ivr: 'sub' } },
          { key: '3', destination: { lookup: 'crm' } },
          { key: '4', destination: { lookup: 'table' } },
        ],
        fallback: { extension: '203' },
      },
      {
        name: 'sub',
        greeting: { builtin: 'beep' },
        timeout: 3,
        directDial: true,
        options: [{ key: '1', destination: { extension: '202' } }],
        fallback: { extension: '203' },
      },
    ],
    lookups: [
      {
        name: 'crm',
        input: 'digits',
        prompt: { builtin: 'beep' },
        maxDigits: 4,
        source: { url: `http://127.0.0.1:${webPort}/route?code={digits}&caller={caller}&did={did}`, timeout: 2 },
        routes: [
          { name: 'sales', destination: { extension: '201' } },
          { name: 'support', destination: { extension: '202' } },
        ],
        fallback: { extension: '203' },
      },
      {
        name: 'table',
        input: 'digits',
        prompt: { builtin: 'beep' },
        maxDigits: 4,
        source: { table: [{ key: '123', route: 'boss' }, { key: '456', route: 'sales' }] },
        routes: [
          { name: 'boss', destination: { extension: '202' } },
          { name: 'sales', destination: { extension: '201' } },
        ],
        fallback: { extension: '203' },
      },
      {
        name: 'bycaller',
        input: 'callerId',
        source: { table: [{ key: '0699999999', route: 'known' }] },
        routes: [{ name: 'known', destination: { extension: '202' } }],
        fallback: { extension: '203' },
      },
    ],
  };
}

before(async () => {
  // The "CRM": code 11 → sales, 22 → support, 33 answers too late, 44 fails with a body that
  // would otherwise route, 55 names a route the lookup does not have, 66 is not JSON.
  web = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    requests.push(q);
    const code = q.get('code');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (code === '11') json(200, { destination: 'sales' });
    else if (code === '22') json(200, { destination: 'support' });
    else if (code === '33') setTimeout(() => json(200, { destination: 'sales' }), 6000);
    else if (code === '44') json(500, { destination: 'sales' });
    else if (code === '55') json(200, { destination: 'nobody' });
    else if (code === '66') res.end('sales');
    else json(404, { error: 'unknown code' });
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webPort = (web.address() as AddressInfo).port;
  pbx = await startPbx(config());
});

after(async () => {
  await stopAllSipp();
  await pbx?.stop();
  web?.closeAllConnections();
  await new Promise<void>((resolve) => web?.close(() => resolve()));
});

const remote = () => `127.0.0.1:${pbx.sipPort}`;

async function phones(): Promise<Map<string, SippProcess>> {
  const out = new Map<string, SippProcess>();
  await Promise.all(
    PHONES.map(async (n) => {
      const p = await startSipp({ scenario: 'phone-uas.xml', remote: remote(), user: n, password: PW(n), timeoutMs: 60_000 });
      await p.waitForRegistration(10_000);
      out.set(n, p);
    }),
  );
  return out;
}

/** Places the call with all three phones waiting; returns which phones received an INVITE. */
async function reached(place: () => Promise<SippResult>): Promise<{ rang: string[]; caller: SippResult }> {
  const waiting = await phones();
  const caller = await place();
  const results = await Promise.all([...waiting.entries()].map(async ([n, p]) => [n, await p.stop()] as const));
  return { rang: results.filter(([, r]) => r.inviteReceived).map(([n]) => n), caller };
}

/** A carrier call to `did` that sends `dtmf` once the PBX answers. */
function dial(did: string, dtmf: string, extra: { caller?: string; holdMs?: number } = {}): Promise<SippResult> {
  return runSipp({
    scenario: 'uac-dtmf.xml',
    remote: remote(),
    localIp: '127.0.0.2',
    service: did,
    caller: extra.caller ?? '0611111111',
    dtmf,
    dtmfDelayMs: 1200,
    holdMs: extra.holdMs ?? 4000,
    timeoutMs: 60_000,
  });
}

test('a key of the first level reaches its extension', async () => {
  const { rang, caller } = await reached(() => dial('0612345700', '1'));
  assert.ok(caller.answered, 'the IVR answers');
  assert.deepEqual(rang, ['201']);
});

test('two levels: 5 enters the sub-menu, then 1 reaches its extension', async () => {
  const { rang } = await reached(() => dial('0612345700', '5,,1'));
  assert.deepEqual(rang, ['202']);
});

test('an invalid key is answered with the invalid prompt and the menu again; a valid key then works', async () => {
  const { rang } = await reached(() => dial('0612345700', '7,,,,1', { holdMs: 5000 }));
  assert.deepEqual(rang, ['201']);
});

test('invalid keys beyond the retries go to the fallback', async () => {
  const { rang } = await reached(() => dial('0612345700', '7,,,,7', { holdMs: 6000 }));
  assert.deepEqual(rang, ['203']);
});

test('no key at all: after the timeouts and retries the call goes to the fallback', async () => {
  const { rang, caller } = await reached(() =>
    runSipp({ scenario: 'uac-call.xml', remote: remote(), localIp: '127.0.0.2', service: '0612345700', caller: '0611111111', holdMs: 12_000, timeoutMs: 60_000 }),
  );
  assert.ok(caller.answered);
  assert.deepEqual(rang, ['203']);
});

test('direct dial: allowed in the sub-menu (an extension number reaches it), refused in the main menu', async () => {
  const allowed = await reached(() => dial('0612345700', '5,,201', { holdMs: 5000 }));
  assert.deepEqual(allowed.rang, ['201'], 'the sub-menu lets callers type 201');
  // In the main menu 2 is no key and extensions may not be dialled: invalid, and after the
  // retries the fallback, never 202.
  const refused = await reached(() => dial('0612345700', '202,,,,202', { holdMs: 7000 }));
  assert.deepEqual(refused.rang, ['203']);
});

test('dynamic routing: the web service names the route; the URL carries the code, the caller and the DID', async () => {
  requests.length = 0;
  const sales = await reached(() => dial('0612345700', '3,,11#', { caller: '0622222222' }));
  assert.deepEqual(sales.rang, ['201']);
  const support = await reached(() => dial('0612345700', '3,,22#'));
  assert.deepEqual(support.rang, ['202']);
  const first = requests.find((q) => q.get('code') === '11');
  assert.ok(first, 'the web service was asked for code 11');
  assert.equal(first.get('caller'), '0622222222');
  assert.equal(first.get('did'), '0612345700');
});

test('dynamic routing falls back on a timeout, an HTTP error, an unknown route and a non-JSON answer', async () => {
  for (const code of ['33', '44', '55', '66']) {
    const { rang } = await reached(() => dial('0612345700', `3,,${code}#`, { holdMs: 7000 }));
    assert.deepEqual(rang, ['203'], `code ${code} goes to the fallback`);
  }
});

test('table lookup: a listed code routes, an unlisted one falls back', async () => {
  const listed = await reached(() => dial('0612345700', '4,,123#'));
  assert.deepEqual(listed.rang, ['202']);
  const unlisted = await reached(() => dial('0612345700', '4,,999#'));
  assert.deepEqual(unlisted.rang, ['203']);
});

test("caller-number lookup: a known caller routes without typing anything, others fall back", async () => {
  const place = (cid: string) => () =>
    runSipp({ scenario: 'carrier-uac.xml', remote: remote(), localIp: '127.0.0.2', service: '0612345701', caller: cid, holdMs: 1500, timeoutMs: 30_000 });
  assert.deepEqual((await reached(place('0699999999'))).rang, ['202']);
  assert.deepEqual((await reached(place('0688888888'))).rang, ['203']);
});
