// A register trunk against a SIPp registrar playing the carrier: it challenges every REGISTER
// and checks the digest of the retry against the credentials it was given.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPbx, freePortBlock, waitFor, type PbxInstance } from '../lib/pbx.ts';
import { startSipp, stopAllSipp } from '../lib/sipp.ts';

let pbx: PbxInstance | undefined;
after(async () => {
  await stopAllSipp();
  await pbx?.stop();
});

test('a register trunk registers with its credentials and shows as Registered; wrong ones are refused', async () => {
  const port = await freePortBlock(2);
  const good = await startSipp({ scenario: 'mock-registrar.xml', localIp: '127.0.0.4', localPort: port, timeoutMs: 60_000, keys: { auth_user: '0612345678', auth_pass: 'Carrier-pw1' } });
  const bad = await startSipp({ scenario: 'mock-registrar.xml', localIp: '127.0.0.5', localPort: port + 1, timeoutMs: 60_000, keys: { auth_user: '0699999999', auth_pass: 'Other-pw12' } });
  pbx = await startPbx({
    trunks: [
      { name: 'carrier', type: 'register', host: '127.0.0.4', port, username: '0612345678', password: 'Carrier-pw1', qualify: false },
      { name: 'wrongpw', type: 'register', host: '127.0.0.5', port: port + 1, username: '0699999999', password: 'Wrong-pw123', qualify: false },
    ],
  });
  await good.waitForLog('REGISTER_ACCEPTED', 20_000);
  await bad.waitForLog('REGISTER_REFUSED', 20_000);
  await waitFor(async () => /trunk-carrier\/sip:127\.0\.0\.4:\d+\s+trunk-carrier\s+Registered/.test(await pbx!.daemon.control.command('pjsip list registrations')), 10_000, 'the trunk to show as Registered');
  const list = await pbx.daemon.control.command('pjsip list registrations');
  assert.doesNotMatch(list, /trunk-wrongpw\S*\s+trunk-wrongpw\s+Registered/, list);
});
