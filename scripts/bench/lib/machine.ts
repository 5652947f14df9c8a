// The machine and the versions a run measured, recorded with every result.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Machine, Versions } from './results.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  } catch (err) {
    // sipp -v exits non-zero after printing its version.
    const out = String((err as { stdout?: string }).stdout ?? '').trim();
    return out || 'unknown';
  }
}

export function machine(): Machine {
  let os = 'unknown';
  try {
    os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    // no os-release
  }
  return { cpuModel: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), kernel: release(), os };
}

export function versions(rootfs: string): Versions {
  const product = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const commit = run('git', ['-C', ROOT, 'rev-parse', '--short=12', 'HEAD']);
  const dirty = run('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']);
  return {
    product,
    node: process.version,
    asterisk: run('chroot', [rootfs, '/usr/sbin/asterisk', '-V']).replace(/^Asterisk\s+/, ''),
    sipp: /SIPp v?([^\s,]+)/.exec(run('sipp', ['-v']))?.[1] ?? 'unknown',
    commit: commit + (dirty && dirty !== 'unknown' ? '-dirty' : ''),
  };
}
