// Which datagrams reach the SNMP library (src/snmp/access.ts), on real BER from the encoder
// SNMP managers use (a v2c GetRequest built by hand the way net-snmp's tools build it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceAcl, peekMessage, plainAddress } from '../../src/snmp/access.ts';
import { scrub } from '../../src/snmp/agent.ts';

function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length;
  const header = len < 0x80 ? Buffer.from([tag, len]) : len < 0x100 ? Buffer.from([tag, 0x81, len]) : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([header, content]);
}
/** An SNMP message: version, community, a GetRequest PDU for sysName.0. */
function message(version: number, community: string, pad = 0): Buffer {
  const oid = Buffer.from([0x2b, 6, 1, 2, 1, 1, 5, 0]);
  const varbind = tlv(0x30, Buffer.concat([tlv(0x06, oid), Buffer.from([0x05, 0])]));
  const pdu = tlv(0xa0, Buffer.concat([tlv(0x02, Buffer.from([1])), tlv(0x02, Buffer.from([0])), tlv(0x02, Buffer.from([0])), tlv(0x30, Buffer.concat([varbind, Buffer.alloc(pad)]))]));
  return tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([version])), tlv(0x04, Buffer.from(community, 'latin1')), pdu]));
}

test('peekMessage reads version and community, with short and long BER lengths', () => {
  assert.deepEqual(peekMessage(message(1, 'public')), { version: 1, community: 'public' });
  assert.deepEqual(peekMessage(message(0, 'x'.repeat(200), 300)), { version: 0, community: 'x'.repeat(200) });
  assert.deepEqual(peekMessage(tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([3])), tlv(0x30, Buffer.alloc(4))]))), { version: 3 });
  assert.equal(peekMessage(Buffer.from('hello')), undefined);
  assert.equal(peekMessage(message(1, 'public').subarray(0, 9)), undefined, 'truncated');
  assert.equal(peekMessage(Buffer.alloc(0)), undefined);
});

test('a v2c community is answered only from its own networks; v1 and unknown communities never', () => {
  const acl = new SourceAcl([
    { name: 'public', sources: ['127.0.0.1/32', '192.168.10.0/24'] },
    { name: 'noc', sources: ['10.0.0.0/8', 'fd00::/8'] },
  ]);
  assert.equal(acl.accepts(message(1, 'public'), '127.0.0.1'), true);
  assert.equal(acl.accepts(message(1, 'public'), '192.168.10.77'), true);
  assert.equal(acl.accepts(message(1, 'public'), '::ffff:192.168.10.77'), true, 'v4-mapped');
  assert.equal(acl.accepts(message(1, 'public'), '192.168.11.1'), false);
  assert.equal(acl.accepts(message(1, 'public'), '10.1.2.3'), false, "another community's network");
  assert.equal(acl.accepts(message(1, 'noc'), '10.1.2.3'), true);
  assert.equal(acl.accepts(message(1, 'noc'), 'fd12::1'), true);
  assert.equal(acl.accepts(message(1, 'other'), '127.0.0.1'), false);
  assert.equal(acl.accepts(message(0, 'public'), '127.0.0.1'), false, 'v1 is not served');
  assert.equal(acl.accepts(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03]), '203.0.113.9'), true, 'v3 goes to USM');
  assert.equal(acl.accepts(Buffer.from('junk'), '127.0.0.1'), false);
});

test('plainAddress unwraps v4-mapped addresses only', () => {
  assert.equal(plainAddress('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(plainAddress('fd00::1'), 'fd00::1');
});

test('scrub removes every given secret from an error message', () => {
  const err = new Error('user monitor authKey auth-secret-1 privKey priv-secret-1 failed');
  const s = scrub(err, ['auth-secret-1', 'priv-secret-1', '']);
  assert.doesNotMatch(s, /secret-1/);
  assert.match(s, /^Error: user monitor authKey \[redacted\]/);
});
