// Privacy: encryption at rest of a recording (src/crypto/encrypted-storage.ts via pgp.ts).
// Encrypts and decrypts one recording-sized file (100 MB; 2 MB in the smoke run), each in a
// child process of its own, so its peak RSS (getrusage maxrss) is that operation's alone: the
// claim is that memory stays flat while the file streams through, whatever its size. Also the
// re-wrap of a file for a new key (PKESK rewrite), which copies the encrypted data unchanged.
//
//   node scripts/bench/parts/privacy.ts --child <encrypt|decrypt|rewrap> <dir>   (used by the part)
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { fig, type Figure } from '../lib/results.ts';
import { EncryptedRecordingStorage } from '../../../src/crypto/encrypted-storage.ts';
import { LocalRecordingStorage } from '../../../src/recordings/storage.ts';
import { PgpPrivateKey, PgpPublicKey, decryptStream, encryptStream, generateKeyPair } from '../../../src/crypto/pgp.ts';

export interface PrivacyOperation {
  seconds: Figure;
  throughput: Figure;
  peakRss: Figure;
}

export interface PrivacyResult {
  fileSize: Figure;
  /** RSS of a child that loaded openpgp and did nothing else: the floor of the figures below. */
  baselineRss: Figure;
  encrypt: PrivacyOperation;
  decrypt: PrivacyOperation;
  rewrap: PrivacyOperation;
}

const PASS = 'bench passphrase';
const MiB = 1024 * 1024;

async function child(op: string, dir: string): Promise<void> {
  const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as { a: { publicKey: string; lockedPrivateKey: string }; b: { publicKey: string } };
  const pub = await PgpPublicKey.parse(keys.a.publicKey);
  const priv = await PgpPrivateKey.unlock(keys.a.lockedPrivateKey, PASS);
  const t0 = process.hrtime.bigint();
  if (op === 'encrypt') await pipeline(encryptStream(createReadStream(join(dir, 'rec.wav')), pub, 'rec.wav'), createWriteStream(join(dir, 'rec.wav.gpg')));
  else if (op === 'decrypt') await pipeline(decryptStream(createReadStream(join(dir, 'rec.wav.gpg')), [priv]), createWriteStream(join(dir, 'out.wav')));
  else if (op === 'rewrap') {
    const storage = new EncryptedRecordingStorage(new LocalRecordingStorage({ root: () => dir, defaultRoot: dir }), { current: () => undefined, sessionKeys: () => [] });
    await storage.rewrap(join(dir, 'rec.wav.gpg'), [priv], await PgpPublicKey.parse(keys.b.publicKey));
  } else if (op !== 'baseline') throw new Error(`unknown operation ${op}`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

function run(op: string, dir: string): { seconds: number; maxRssBytes: number } {
  return JSON.parse(execFileSync(process.execPath, [import.meta.filename, '--child', op, dir], { encoding: 'utf8' })) as { seconds: number; maxRssBytes: number };
}

export async function privacy(ctx: { smoke: boolean; log: (msg: string) => void }): Promise<PrivacyResult> {
  const size = ctx.smoke ? 2 * MiB : 100 * 1000 * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-privacy-'));
  try {
    const a = await generateKeyPair(PASS, { name: 'bench a' });
    const b = await generateKeyPair(PASS, { name: 'bench b' });
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ a, b }));
    // Random bytes: the worst case for anything that might compress (nothing does: no compression is written).
    const out = createWriteStream(join(dir, 'rec.wav'));
    for (let left = size; left > 0; left -= MiB) out.write(randomBytes(Math.min(MiB, left)));
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    const op = (name: string, bytes: number): PrivacyOperation => {
      const r = run(name, dir);
      ctx.log(`privacy: ${name} ${(bytes / MiB).toFixed(1)} MiB in ${r.seconds.toFixed(2)} s, peak RSS ${(r.maxRssBytes / MiB).toFixed(1)} MiB`);
      return {
        seconds: fig(Math.round(r.seconds * 1000) / 1000, 's'),
        throughput: fig(Math.round((bytes / MiB / r.seconds) * 10) / 10, 'ratio', 'MiB of audio per second'),
        peakRss: fig(r.maxRssBytes, 'bytes', `peak RSS of the process doing it: ${(r.maxRssBytes / MiB).toFixed(1)} MiB`),
      };
    };
    const baseline = run('baseline', dir);
    const encrypt = op('encrypt', size);
    const decrypt = op('decrypt', size);
    const rewrap = op('rewrap', statSync(join(dir, 'rec.wav.gpg')).size);
    return {
      fileSize: fig(size, 'bytes'),
      baselineRss: fig(baseline.maxRssBytes, 'bytes', `openpgp loaded, nothing done: ${(baseline.maxRssBytes / MiB).toFixed(1)} MiB`),
      encrypt,
      decrypt,
      rewrap,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
