// The openpgp adapter: GnuPG-readable output (v3 PKESK + SEIPDv1), key checks, PKESK re-wrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import * as openpgp from 'openpgp';
import { PgpKeyError, PgpPrivateKey, PgpPublicKey, decryptStream, encryptStream, generateKeyPair, readHead, rewrapSessionKey } from '../../src/crypto/pgp.ts';

const pair = async (pass: string) => {
  const kp = await generateKeyPair(pass, { name: 'Officer' });
  return { ...kp, pub: await PgpPublicKey.parse(kp.publicKey), priv: await PgpPrivateKey.unlock(kp.lockedPrivateKey, pass) };
};

test('a generated key is v4 ECDH cv25519, locked with the passphrase, and the stream round-trips as PKESK v3 + SEIPDv1', async () => {
  const a = await pair('correct horse battery');
  assert.match(a.pub.info.algorithm, /ecdh curve25519Legacy/);
  assert.equal(a.priv.matches(a.pub), true);
  await assert.rejects(PgpPrivateKey.unlock(a.lockedPrivateKey, 'wrong passphrase!'), PgpKeyError);
  await assert.rejects(PgpPrivateKey.unlock(a.lockedPrivateKey, undefined), /passphrase is needed/);
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const enc = await buffer(encryptStream(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), a.pub, 'x.wav'));
  const head = readHead(enc);
  assert.deepEqual(head.recipients, a.pub.info.encryptionKeyIds);
  assert.equal(enc[head.dataOffset]! & 0x3f, 18, 'SEIPD packet');
  const msg = await openpgp.readMessage({ binaryMessage: enc });
  assert.equal(msg.packets.filterByTag(openpgp.enums.packet.aeadEncryptedData).length, 0);
  assert.deepEqual(await buffer(decryptStream(Readable.from([enc]), [a.priv])), data);
});

test('re-wrapping replaces only the PKESK: the new key opens the same encrypted data, the old one no longer', async () => {
  const a = await pair('first passphrase');
  const b = await pair('second passphrase');
  const data = Buffer.from('RIFF....WAVEfmt audio bytes'.repeat(1000));
  const enc = await buffer(encryptStream(Readable.from([data]), a.pub, 'x.wav'));
  const head = readHead(enc);
  const pkesk = await rewrapSessionKey(head.pkesk, [a.priv], b.pub);
  const re = Buffer.concat([pkesk, enc.subarray(head.dataOffset)]);
  assert.deepEqual(enc.subarray(head.dataOffset), re.subarray(pkesk.length), 'the encrypted data is unchanged');
  assert.deepEqual(readHead(re).recipients, b.pub.info.encryptionKeyIds);
  assert.deepEqual(await buffer(decryptStream(Readable.from([re]), [b.priv])), data);
  await assert.rejects(buffer(decryptStream(Readable.from([re]), [a.priv])));
  await assert.rejects(rewrapSessionKey(head.pkesk, [b.priv], a.pub), 'the wrong old key cannot re-wrap');
});

test('keys GnuPG cannot use are refused with the reason: private keys, v6 keys, crypto-refresh X25519', async () => {
  const a = await generateKeyPair('some passphrase', { name: 'x' });
  await assert.rejects(PgpPublicKey.parse(a.lockedPrivateKey), /private key: upload the public key/);
  await assert.rejects(PgpPublicKey.parse('hello'), /not an OpenPGP public key/);
  const v6 = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'v6' }], format: 'armored', config: { v6Keys: true } });
  await assert.rejects(PgpPublicKey.parse(v6.publicKey), /version 6 key/);
  const x = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'x25519' }], format: 'armored' });
  await assert.rejects(PgpPublicKey.parse(x.publicKey), /GnuPG cannot decrypt/);
  const aeadOnly = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'aead' }], format: 'object', config: { aeadProtect: true } });
  // openpgp marks such keys SEIPDv1+v2; the box still writes SEIPDv1 to them.
  const ok = await PgpPublicKey.parse(aeadOnly.publicKey.armor());
  const enc = await buffer(encryptStream(Readable.from([Buffer.from('abc')]), ok, 'a'));
  assert.equal(readHead(enc).recipients.length, 1);
});

test('readHead refuses what is not PKESK + SEIPDv1', () => {
  assert.throws(() => readHead(Buffer.from('RIFF0000WAVE')), /not an OpenPGP message/);
  // new-format tag 20 (AEAD encrypted data) after nothing
  assert.throws(() => readHead(Buffer.from([0xc0 | 20, 2, 1, 0])), /packet type 20/);
  // SEIPD version 2
  assert.throws(() => readHead(Buffer.from([0xc0 | 1, 10, 3, 1, 2, 3, 4, 5, 6, 7, 8, 18, 0xc0 | 18, 2, 2, 0])), /SEIPD version 2/);
});
