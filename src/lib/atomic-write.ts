// Atomic files: write x.new, fsync, rename over x, fsync the directory. A reader (Asterisk)
// sees the old file or the new one, never half of either, also across a power cut.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, fchownSync, fchmodSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  const tmp = `${path}.new`;
  const fd = openSync(tmp, 'w', options.mode ?? 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (options.mode !== undefined) fchmodSync(fd, options.mode);
    if (options.uid !== undefined || options.gid !== undefined) fchownSync(fd, options.uid ?? -1, options.gid ?? -1);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
