// Configuration generations on disk, in config/ (Asterisk's astetcdir):
//   config/gen-NNNNNN/      a complete set of files, written once, never changed
//   config/current          symlink to the running generation, switched by one atomic rename
//   config/<file>.conf      symlink to current/<file>.conf (stable names Asterisk opens)
// Asterisk reads either the old set of files or the new set, never a mix. astetcdir is config/
// itself (not a symlink to a generation) because AMI only parses files whose real path lies
// inside astetcdir: that is how a candidate generation is checked before it becomes current.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, chownSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../lib/atomic-write.ts';

export type FileSet = Record<string, string>;

export interface GenerationOwner {
  uid: number;
  gid: number;
}

const GEN_RE = /^gen-(\d{6})$/;
/** Not a .conf file: Asterisk never reads it. */
const MANIFEST = '.manifest.json';

export function genName(n: number): string {
  return `gen-${String(n).padStart(6, '0')}`;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export class GenerationStore {
  /** The config directory (astetcdir) of the instance. */
  private readonly base: string;
  private readonly owner: GenerationOwner | undefined;
  private readonly keep: number;

  constructor(base: string, owner?: GenerationOwner, keep = 5) {
    this.base = base;
    this.owner = owner;
    this.keep = keep;
    mkdirSync(base, { recursive: true });
    chmodSync(base, 0o750);
    if (owner) chownSync(base, 0, owner.gid);
  }

  private dir(n: number): string {
    return join(this.base, genName(n));
  }

  /** Number of the generation `current` points at, or undefined before the first apply. */
  current(): number | undefined {
    const link = join(this.base, 'current');
    if (!existsSync(link)) return undefined;
    const m = /gen-(\d{6})$/.exec(readlinkSync(link));
    return m ? Number(m[1]) : undefined;
  }

  /** The files of generation n (without its manifest). */
  read(n: number): FileSet {
    const files: FileSet = {};
    for (const name of readdirSync(this.dir(n))) {
      if (!name.endsWith('.new') && name !== MANIFEST) files[name] = readFileSync(join(this.dir(n), name), 'utf8');
    }
    return files;
  }

  /** What was recorded with generation n when it was written (e.g. the objects Asterisk must hold). */
  manifest<T>(n: number): T | undefined {
    const file = join(this.dir(n), MANIFEST);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  }

  private numbers(): number[] {
    return readdirSync(this.base)
      .map((d) => GEN_RE.exec(d)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Writes a complete new generation without making it current. */
  write(files: FileSet, manifest?: unknown): { number: number; path: string } {
    const n = (this.numbers().at(-1) ?? 0) + 1;
    const dir = this.dir(n);
    mkdirSync(dir, { mode: 0o750 });
    if (this.owner) chownSync(dir, 0, this.owner.gid);
    chmodSync(dir, 0o750);
    // Files hold SIP and AMI secrets: readable by root and the asterisk group only.
    for (const [name, text] of Object.entries(files)) {
      writeFileAtomic(join(dir, name), text, { mode: 0o640, uid: 0, ...(this.owner ? { gid: this.owner.gid } : {}) });
    }
    if (manifest !== undefined) writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest), { mode: 0o600 });
    fsyncDir(this.base);
    return { number: n, path: dir };
  }

  /** Makes generation n current with an atomic symlink swap. */
  switchTo(n: number): void {
    // Stable names first (they dangle harmlessly until current points at a set that has them).
    for (const name of readdirSync(this.dir(n))) {
      const link = join(this.base, name);
      if (!existsSync(link) && !isSymlink(link)) symlinkSync(`current/${name}`, link);
    }
    const tmp = join(this.base, 'current.new');
    rmSync(tmp, { force: true });
    symlinkSync(genName(n), tmp);
    renameSync(tmp, join(this.base, 'current'));
    fsyncDir(this.base);
  }

  /** Keeps a rejected generation for inspection under another name, out of the numbering. */
  markRejected(n: number): void {
    const target = `${this.dir(n)}.rejected`;
    rmSync(target, { recursive: true, force: true });
    renameSync(this.dir(n), target);
  }

  /** Removes old generations, keeping the current one and the `keep` newest. */
  prune(): void {
    const current = this.current();
    const all = this.numbers();
    for (const n of all.slice(0, Math.max(0, all.length - this.keep))) {
      if (n !== current) rmSync(this.dir(n), { recursive: true, force: true });
    }
  }
}
