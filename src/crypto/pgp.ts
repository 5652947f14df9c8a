// The one adapter of openpgp (v6). Everything the box writes must open with standard GnuPG
// (2.2 and later) off the box, so every operation here pins what GnuPG reads:
//   - keys the box generates are v4: EdDSA (legacy) primary + ECDH Curve25519 (legacy) subkey;
//   - messages are a v3 PKESK + SEIPD version 1 (CFB with MDC), never AEAD (SEIPDv2/OCB): the
//     session key is generated here without an AEAD algorithm, so the recipient key's feature
//     flags cannot switch openpgp to SEIPDv2;
//   - uploaded keys gpg could not decrypt for (v6 keys, the crypto-refresh X25519/X448
//     algorithms, AEAD-only feature flags) are refused, with the reason, as PgpKeyError.
// Streams: node Readables in and out (converted to web streams for openpgp); plaintext is
// released as it is decrypted (allowUnauthenticatedStream), so a tampered file is reported as
// a stream error at its end (the MDC check), never held whole in memory.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as openpgp from 'openpgp';

/** A key (or its passphrase) the box cannot use: the message says why, for a 400. */
export class PgpKeyError extends Error {}

const WRITE_CONFIG = { aeadProtect: false, v6Keys: false, preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256 } as const;
const READ_CONFIG = { allowUnauthenticatedStream: true } as const;
/** Algorithms of the crypto refresh (RFC 9580) that GnuPG 2.2/2.4 do not implement. */
const NOT_FOR_GPG = new Set<number>([openpgp.enums.publicKey.x25519, openpgp.enums.publicKey.x448, openpgp.enums.publicKey.ed25519, openpgp.enums.publicKey.ed448]);

/** Feature flags of a key's self-signature (RFC 9580 5.2.3.32): SEIPDv1 (MDC) and SEIPDv2 (AEAD). */
const FEATURE_SEIPDV1 = 0x01;
const FEATURE_SEIPDV2 = 0x08;
const hexId = (id: { toHex(): string }) => id.toHex().toLowerCase();

export interface PgpKeyInfo {
  /** Hex, lowercase: the primary key's v4 fingerprint. */
  fingerprint: string;
  /** Key ids (hex) of the subkeys (or primary) that can encrypt: what a PKESK names. */
  encryptionKeyIds: string[];
  created: string;
  userIds: string[];
  algorithm: string;
}

/** A public key checked to be usable for encryption readable by GnuPG. */
export class PgpPublicKey {
  readonly info: PgpKeyInfo;
  readonly armored: string;
  /** @internal */ readonly key: openpgp.PublicKey;

  private constructor(key: openpgp.PublicKey, info: PgpKeyInfo) {
    this.key = key;
    this.info = info;
    this.armored = key.armor();
  }

  /** Parses and checks an armored (or binary) public key; PgpKeyError says what is wrong with it. */
  static async parse(input: string | Uint8Array): Promise<PgpPublicKey> {
    let key: openpgp.Key;
    try {
      key = typeof input === 'string' ? await openpgp.readKey({ armoredKey: input }) : await openpgp.readKey({ binaryKey: input });
    } catch (err) {
      throw new PgpKeyError(`not an OpenPGP public key: ${(err as Error).message}`);
    }
    if (key.isPrivate()) throw new PgpKeyError('this is a private key: upload the public key only (gpg --armor --export), the secret part never leaves the privacy officer');
    return PgpPublicKey.checked(key as openpgp.PublicKey);
  }

  static async checked(key: openpgp.PublicKey): Promise<PgpPublicKey> {
    if (key.keyPacket.version !== 4) throw new PgpKeyError(`a version ${key.keyPacket.version} key: GnuPG reads version 4 keys only; use a v4 key (gpg --quick-gen-key ... future-default)`);
    let selfSig: { features?: number[] | null };
    try {
      await key.verifyPrimaryKey();
      selfSig = await (key as unknown as { getPrimarySelfSignature(): Promise<{ features?: number[] | null }> }).getPrimarySelfSignature();
    } catch (err) {
      throw new PgpKeyError(`the key is not usable: ${(err as Error).message}`);
    }
    const features = selfSig.features?.[0];
    if (features !== undefined && features & FEATURE_SEIPDV2 && !(features & FEATURE_SEIPDV1))
      throw new PgpKeyError('the key accepts AEAD-encrypted (SEIPDv2) messages only: GnuPG-readable files need SEIPDv1 with MDC');
    let enc: openpgp.PublicKey | openpgp.Subkey;
    try {
      enc = await key.getEncryptionKey();
    } catch (err) {
      throw new PgpKeyError(`the key has no valid encryption (sub)key: ${(err as Error).message}`);
    }
    if (NOT_FOR_GPG.has(enc.keyPacket.algorithm))
      throw new PgpKeyError(`the encryption key uses ${enc.keyPacket.getAlgorithmInfo().algorithm}, which GnuPG cannot decrypt; use cv25519 (ECDH) or RSA`);
    const encryptionKeyIds: string[] = [];
    for (const k of [key, ...key.getSubkeys()]) {
      try {
        const e = await key.getEncryptionKey(k.getKeyID());
        encryptionKeyIds.push(hexId(e.getKeyID()));
      } catch {
        // not an encryption key
      }
    }
    return new PgpPublicKey(key, {
      fingerprint: key.getFingerprint().toLowerCase(),
      encryptionKeyIds: [...new Set(encryptionKeyIds)],
      created: key.getCreationTime().toISOString(),
      userIds: key.getUserIDs(),
      algorithm: String(enc.keyPacket.getAlgorithmInfo().algorithm) + (enc.keyPacket.getAlgorithmInfo().curve ? ` ${enc.keyPacket.getAlgorithmInfo().curve}` : ''),
    });
  }
}

/** A private key unlocked in memory (for one session). Never written anywhere. */
export class PgpPrivateKey {
  readonly fingerprint: string;
  /** Key ids (hex) this key can decrypt PKESKs for. */
  readonly decryptionKeyIds: string[];
  /** @internal */ readonly key: openpgp.PrivateKey;

  private constructor(key: openpgp.PrivateKey) {
    this.key = key;
    this.fingerprint = key.getFingerprint().toLowerCase();
    this.decryptionKeyIds = [key, ...key.getSubkeys()].map((k) => hexId(k.getKeyID()));
  }

  /**
   * Reads an armored private key and unlocks it with `passphrase` (none for an unprotected key).
   * PgpKeyError for a wrong passphrase or a key that is not a private key.
   */
  static async unlock(armored: string, passphrase: string | undefined): Promise<PgpPrivateKey> {
    let key: openpgp.PrivateKey;
    try {
      key = await openpgp.readPrivateKey({ armoredKey: armored });
    } catch (err) {
      throw new PgpKeyError(`not an OpenPGP private key: ${(err as Error).message}`);
    }
    if (!key.isDecrypted()) {
      if (passphrase === undefined || passphrase === '') throw new PgpKeyError('the private key is protected: its passphrase is needed');
      try {
        key = await openpgp.decryptKey({ privateKey: key, passphrase });
      } catch {
        throw new PgpKeyError('the passphrase does not unlock this private key');
      }
    }
    return new PgpPrivateKey(key);
  }

  matches(pub: PgpPublicKey): boolean {
    return this.fingerprint === pub.info.fingerprint;
  }
}

/** A new v4 key pair for passphrase mode: the public key and the private key locked with `passphrase` (iterated+salted S2K, AES-256). */
export async function generateKeyPair(passphrase: string, userId: { name: string; email?: string }): Promise<{ publicKey: string; lockedPrivateKey: string }> {
  const { publicKey, privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [userId],
    passphrase,
    format: 'armored',
    config: WRITE_CONFIG,
  });
  return { publicKey, lockedPrivateKey: privateKey };
}

function sessionKey(): openpgp.SessionKey {
  // No aeadAlgorithm: openpgp then writes a v3 PKESK and a SEIPDv1 packet, whatever the key advertises.
  return { data: new Uint8Array(randomBytes(32)), algorithm: 'aes256' };
}

/** Encrypts a stream to `to` (binary OpenPGP message; the literal packet named `filename`). Bounded memory. */
export function encryptStream(input: Readable, to: PgpPublicKey, filename: string): Readable {
  const web = Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>;
  const out = (async () => {
    const message = await openpgp.createMessage({ binary: web, filename, format: 'binary' });
    return (await openpgp.encrypt({ message, encryptionKeys: to.key, sessionKey: sessionKey(), format: 'binary', config: WRITE_CONFIG })) as unknown as ReadableStream<Uint8Array>;
  })();
  return fromWebPromise(out);
}

/** Decrypts a stream with whichever of `keys` its PKESK names. Integrity is checked at the end (a stream error). */
export function decryptStream(input: Readable, keys: PgpPrivateKey[]): Readable {
  const web = Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>;
  const out = (async () => {
    const message = await openpgp.readMessage({ binaryMessage: web });
    const { data } = await openpgp.decrypt({ message, decryptionKeys: keys.map((k) => k.key), format: 'binary', config: READ_CONFIG });
    return data as unknown as ReadableStream<Uint8Array>;
  })();
  return fromWebPromise(out);
}

function fromWebPromise(p: Promise<ReadableStream<Uint8Array>>): Readable {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new Readable({
    highWaterMark: 64 * 1024,
    async read() {
      try {
        reader ??= (await p).getReader();
        const { done, value } = await reader.read();
        this.push(done ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      } catch (err) {
        this.destroy(err as Error);
      }
    },
    destroy(err, cb) {
      p.then((s) => (reader ? reader.cancel() : s.cancel())).catch(() => undefined);
      cb(err);
    },
  });
}

/** A small secret (a data key) as an armored OpenPGP message to `to`: decryptable with gpg. */
export async function encryptBytes(data: Uint8Array, to: PgpPublicKey): Promise<string> {
  const message = await openpgp.createMessage({ binary: data, format: 'binary' });
  return (await openpgp.encrypt({ message, encryptionKeys: to.key, sessionKey: sessionKey(), format: 'armored', config: WRITE_CONFIG })) as string;
}

export async function decryptBytes(armored: string, keys: PgpPrivateKey[]): Promise<Uint8Array> {
  const message = await openpgp.readMessage({ armoredMessage: armored });
  const { data } = await openpgp.decrypt({ message, decryptionKeys: keys.map((k) => k.key), format: 'binary' });
  return data as Uint8Array;
}

// ---- the packet layout of a stored file ------------------------------------------------------

/** The leading public-key session key packets of a binary message, and where the encrypted data starts. */
export interface MessageHead {
  /** The PKESK packets, as written. */
  pkesk: Uint8Array;
  /** Byte offset of the encrypted data packet (copied unchanged by a re-wrap). */
  dataOffset: number;
  /** Key ids (hex) the PKESKs are encrypted to. */
  recipients: string[];
}

/** How many leading bytes of a file readHead() may need: PKESKs are small (RSA-4096: ~530 bytes each). */
export const HEAD_BYTES = 16 * 1024;

/**
 * Parses the PKESK packets at the start of a binary OpenPGP message (old or new packet format)
 * and checks that the encrypted data after them is SEIPD version 1 (what GnuPG reads).
 */
export function readHead(buf: Uint8Array): MessageHead {
  let pos = 0;
  const recipients: string[] = [];
  for (;;) {
    if (pos >= buf.length) throw new Error('not an OpenPGP message: it ends before its encrypted data');
    const b = buf[pos]!;
    if (!(b & 0x80)) throw new Error('not an OpenPGP message');
    let tag: number;
    let len: number;
    let hdr: number;
    let partial = false;
    if (b & 0x40) {
      tag = b & 0x3f;
      const o1 = buf[pos + 1]!;
      if (o1 < 192) [len, hdr] = [o1, 2];
      else if (o1 < 224) [len, hdr] = [((o1 - 192) << 8) + buf[pos + 2]! + 192, 3];
      else if (o1 === 255) [len, hdr] = [((buf[pos + 2]! << 24) >>> 0) + (buf[pos + 3]! << 16) + (buf[pos + 4]! << 8) + buf[pos + 5]!, 6];
      else [len, hdr, partial] = [1 << (o1 & 0x1f), 2, true];
    } else {
      tag = (b >> 2) & 0x0f;
      const t = b & 3;
      if (t === 0) [len, hdr] = [buf[pos + 1]!, 2];
      else if (t === 1) [len, hdr] = [(buf[pos + 1]! << 8) + buf[pos + 2]!, 3];
      else if (t === 2) [len, hdr] = [((buf[pos + 1]! << 24) >>> 0) + (buf[pos + 2]! << 16) + (buf[pos + 3]! << 8) + buf[pos + 4]!, 5];
      else [len, hdr, partial] = [0, 1, true];
    }
    if (tag === 1) {
      if (partial) throw new Error('a session key packet with a partial length');
      if (pos + hdr + len > buf.length) throw new Error('the session key packets are longer than expected');
      // v3 PKESK: version(1) keyid(8) algo(1) ...
      if (buf[pos + hdr] !== 3) throw new Error(`a version ${buf[pos + hdr]} session key packet (not what GnuPG reads)`);
      recipients.push(Buffer.from(buf.subarray(pos + hdr + 1, pos + hdr + 9)).toString('hex'));
      pos += hdr + len;
      continue;
    }
    if (tag !== 18) throw new Error(`packet type ${tag} where encrypted data was expected (only SEIPDv1 is written)`);
    if (buf[pos + hdr] !== 1) throw new Error(`SEIPD version ${buf[pos + hdr]} (AEAD): not what GnuPG reads`);
    if (!recipients.length) throw new Error('the message is not encrypted to a public key');
    return { pkesk: buf.slice(0, pos), dataOffset: pos, recipients };
  }
}

/**
 * The PKESK packets of a message re-made for `to`: the session key is decrypted with `keys`
 * (the old key) and encrypted to the new key. The encrypted data itself is not touched.
 */
export async function rewrapSessionKey(pkesk: Uint8Array, keys: PgpPrivateKey[], to: PgpPublicKey): Promise<Uint8Array> {
  const message = await openpgp.readMessage({ binaryMessage: pkesk, config: { enforceGrammar: false } });
  const [sk] = await openpgp.decryptSessionKeys({ message, decryptionKeys: keys.map((k) => k.key) });
  if (!sk?.algorithm) throw new Error('the session key could not be decrypted');
  const out = await openpgp.encryptSessionKey({ data: sk.data, algorithm: sk.algorithm, encryptionKeys: to.key, format: 'binary', config: WRITE_CONFIG });
  return out as Uint8Array;
}
