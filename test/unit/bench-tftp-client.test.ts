// The benchmark's TFTP client (scripts/bench/lib/tftp-client.ts): packet encoding and decoding
// against RFC 1350/2347 bytes, whole transfers from the product's own TFTP server
// (src/provisioning/tftp-server.ts, in process, answered by a stub resolver), and the
// retransmission rules against a scripted server socket of the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { udpInbox } from '../lib/udp-inbox.ts';
import { TftpServer } from '../../src/provisioning/tftp-server.ts';
import type { FileRequest, FileResponse } from '../../src/provisioning/service.ts';
import { decodePacket, encodePacket, tftpGet, TftpError, TFTP_ERROR } from '../../scripts/bench/lib/tftp-client.ts';

const bytes = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

test('packets encode to the RFC bytes and decode back', () => {
  assert.deepEqual(encodePacket({ op: 'RRQ', name: 'a.cfg', mode: 'octet', options: {} }), bytes([0, 1], 'a.cfg\0octet\0'));
  assert.deepEqual(encodePacket({ op: 'RRQ', name: '001565aabbcc.cfg', mode: 'octet', options: { blksize: '1428' } }), bytes([0, 1], '001565aabbcc.cfg\0octet\0blksize\x001428\0'));
  assert.deepEqual(encodePacket({ op: 'ACK', block: 258 }), bytes([0, 4, 1, 2]));
  assert.deepEqual(encodePacket({ op: 'DATA', block: 65535, data: Buffer.from('xy') }), bytes([0, 3, 255, 255], 'xy'));
  assert.deepEqual(encodePacket({ op: 'ERROR', code: 5, message: 'Unknown transfer ID' }), bytes([0, 5, 0, 5], 'Unknown transfer ID\0'));
  assert.deepEqual(encodePacket({ op: 'OACK', options: { blksize: '1024', tsize: '77' } }), bytes([0, 6], 'blksize\x001024\0tsize\x0077\0'));

  const all = [
    { op: 'RRQ', name: 'x/y.xml', mode: 'netascii', options: { blksize: '8', timeout: '3' } },
    { op: 'WRQ', name: 'up.cfg', mode: 'octet', options: {} },
    { op: 'DATA', block: 1, data: Buffer.alloc(512, 0x61) },
    { op: 'DATA', block: 7, data: Buffer.alloc(0) },
    { op: 'ACK', block: 0 },
    { op: 'ERROR', code: 1, message: 'File not found' },
    { op: 'OACK', options: { blksize: '1428' } },
  ] as const;
  for (const p of all) assert.deepEqual(decodePacket(encodePacket(p)), p);
});

test('decoding: option names and modes lower-cased, an ERROR without its NUL, malformed packets undefined', () => {
  assert.deepEqual(decodePacket(bytes([0, 1], 'A.cfg\0OCTET\0BlkSize\x00512\0')), { op: 'RRQ', name: 'A.cfg', mode: 'octet', options: { blksize: '512' } });
  assert.deepEqual(decodePacket(bytes([0, 5, 0, 2], 'Access violation')), { op: 'ERROR', code: 2, message: 'Access violation' });
  for (const bad of [
    bytes([0]),
    bytes([0, 9, 0, 1]),
    bytes([0, 3, 0]),
    bytes([0, 4, 0, 1, 0]),
    bytes([0, 1], 'a.cfg\0octet'),
    bytes([0, 1], 'a.cfg\0'),
    bytes([0, 1], 'a.cfg\0octet\0blksize\0'),
    bytes([0, 6], 'blksize'),
  ])
    assert.equal(decodePacket(bad), undefined, bad.toString('hex'));
  assert.throws(() => encodePacket({ op: 'RRQ', name: 'a\0b', mode: 'octet', options: {} }), /NUL/);
  assert.throws(() => encodePacket({ op: 'ACK', block: 65536 }), /16-bit/);
});

/** The product's TFTP server on loopback, answering `files` by name (404 otherwise, 403 for "secret.cfg"). */
async function productServer(files: Record<string, string>, opts: { timeoutMs?: number } = {}) {
  const requests: FileRequest[] = [];
  const service = {
    resolve(req: FileRequest): FileResponse {
      requests.push(req);
      if (req.name === 'secret.cfg') return { status: 403 };
      const body = files[req.name];
      return body === undefined ? { status: 404 } : { status: 200, body, contentType: 'text/plain' };
    },
  };
  const server = new TftpServer({ service, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  await server.start(0, '127.0.0.1');
  return { port: server.port(), requests, stop: () => server.stop() };
}

test('whole files from the product TFTP server: empty, short, exact multiples of 512 (a last empty block), several blocks, blksize', async () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const files: Record<string, string> = { 'e.cfg': '', 's.cfg': 'account = 201\n', 'b512.cfg': body(512), 'b1024.cfg': body(1024), 'b5000.cfg': body(5000) };
  const s = await productServer(files);
  try {
    for (const [name, content] of Object.entries(files)) {
      const r = await tftpGet({ host: '127.0.0.1', port: s.port, name });
      assert.equal(r.body.toString('latin1'), content, name);
      assert.equal(r.blocks, Math.floor(content.length / 512) + 1, name);
      assert.equal(r.retransmits, 0);
      assert.equal(r.blksize, 512);
    }
    const big = await tftpGet({ host: '127.0.0.1', port: s.port, name: 'b5000.cfg', blksize: 1428 });
    assert.equal(big.body.toString('latin1'), files['b5000.cfg']);
    assert.deepEqual([big.blocks, big.blksize], [4, 1428]);
    assert.equal(s.requests.at(-1)?.protocol, 'tftp');

    // Many at once, each on its own transfer ID.
    const many = await Promise.all(Array.from({ length: 50 }, () => tftpGet({ host: '127.0.0.1', port: s.port, name: 'b1024.cfg' })));
    assert.ok(many.every((r) => r.body.toString('latin1') === files['b1024.cfg']));
  } finally {
    await s.stop();
  }
});

test('server errors reject with their code: not found (1), access violation (2)', async () => {
  const s = await productServer({});
  try {
    const missing = await tftpGet({ host: '127.0.0.1', port: s.port, name: 'none.cfg' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(missing instanceof TftpError);
    assert.deepEqual([missing.kind, missing.code], ['error-packet', TFTP_ERROR.NOT_FOUND]);
    const denied = await tftpGet({ host: '127.0.0.1', port: s.port, name: 'secret.cfg' }).catch((e: TftpError) => e);
    assert.ok(denied instanceof TftpError);
    assert.deepEqual([denied.kind, denied.code], ['error-packet', TFTP_ERROR.ACCESS]);
  } finally {
    await s.stop();
  }
});

/** A server socket of the test: every packet it gets, and a way to wait for the next one. */
const scriptedServer = udpInbox;

test('no answer: the RRQ is sent again `retries` times, then a timeout', async () => {
  const srv = await scriptedServer();
  try {
    const err = await tftpGet({ host: '127.0.0.1', port: srv.port, name: 'a.cfg', timeoutMs: 50, retries: 3 }).catch((e: TftpError) => e);
    assert.ok(err instanceof TftpError);
    assert.equal(err.kind, 'timeout');
    assert.equal(srv.inbox.length, 4, 'the RRQ and 3 retransmissions');
    assert.ok(srv.inbox.every((p) => decodePacket(p.msg)?.op === 'RRQ'));
  } finally {
    srv.close();
  }
});

test('a lost ACK is sent again, a duplicate DATA is acknowledged again, a foreign transfer ID gets error 5', async () => {
  const srv = await scriptedServer();
  const tid = await scriptedServer();
  const stranger = await scriptedServer();
  try {
    const got = tftpGet({ host: '127.0.0.1', port: srv.port, name: 'f.cfg', timeoutMs: 500, retries: 3 });
    const rrq = await srv.next();
    assert.deepEqual(decodePacket(rrq.msg), { op: 'RRQ', name: 'f.cfg', mode: 'octet', options: {} });
    // The transfer runs from another port of the server (its transfer ID).
    tid.send(rrq.port, encodePacket({ op: 'DATA', block: 1, data: Buffer.alloc(512, 0x41) }));
    assert.deepEqual(decodePacket((await tid.next()).msg), { op: 'ACK', block: 1 });
    // No DATA 2 comes: after the timeout ACK 1 goes again.
    assert.deepEqual(decodePacket((await tid.next()).msg), { op: 'ACK', block: 1 });
    // DATA 1 again (the server did not see our ACK): acknowledged again, not appended.
    tid.send(rrq.port, encodePacket({ op: 'DATA', block: 1, data: Buffer.alloc(512, 0x41) }));
    assert.deepEqual(decodePacket((await tid.next()).msg), { op: 'ACK', block: 1 });
    // A DATA from another port: error 5 to that port, the transfer goes on.
    stranger.send(rrq.port, encodePacket({ op: 'DATA', block: 2, data: Buffer.from('evil') }));
    assert.deepEqual(decodePacket((await stranger.next()).msg), { op: 'ERROR', code: 5, message: 'Unknown transfer ID' });
    tid.send(rrq.port, encodePacket({ op: 'DATA', block: 2, data: Buffer.from('end\n') }));
    assert.deepEqual(decodePacket((await tid.next()).msg), { op: 'ACK', block: 2 });
    const r = await got;
    assert.equal(r.body.toString('latin1'), `${'A'.repeat(512)}end\n`);
    assert.deepEqual([r.blocks, r.retransmits], [2, 1]);
    assert.equal(srv.inbox.length, 0, 'nothing more to the server port after the first answer');
  } finally {
    srv.close();
    tid.close();
    stranger.close();
  }
});

test('blksize asked and ignored by the server (DATA 1 instead of an OACK): 512-byte blocks; an OACK not asked for is refused', async () => {
  const srv = await scriptedServer();
  try {
    const got = tftpGet({ host: '127.0.0.1', port: srv.port, name: 'g.cfg', blksize: 1024, timeoutMs: 2000 });
    const rrq = await srv.next();
    assert.deepEqual(decodePacket(rrq.msg), { op: 'RRQ', name: 'g.cfg', mode: 'octet', options: { blksize: '1024' } });
    srv.send(rrq.port, encodePacket({ op: 'DATA', block: 1, data: Buffer.alloc(100, 0x42) }));
    const r = await got;
    assert.deepEqual([r.body.length, r.blksize], [100, 512]);
    assert.deepEqual(decodePacket((await srv.next()).msg), { op: 'ACK', block: 1 });

    const refused = tftpGet({ host: '127.0.0.1', port: srv.port, name: 'h.cfg', timeoutMs: 2000 }).catch((e: TftpError) => e);
    const rrq2 = await srv.next();
    srv.send(rrq2.port, encodePacket({ op: 'OACK', options: { blksize: '1024' } }));
    const err = await refused;
    assert.ok(err instanceof TftpError);
    assert.equal(err.kind, 'protocol');
    assert.deepEqual(decodePacket((await srv.next()).msg), { op: 'ERROR', code: 8, message: 'options were not asked for' });
  } finally {
    srv.close();
  }
});
