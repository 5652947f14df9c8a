// Every vendor's simulated phone, for tests that play each of them against the box.
import type { PhoneClientSpec } from './types.ts';
import { yealink } from './yealink.ts';
import { snom } from './snom.ts';
import { grandstream } from './grandstream.ts';
import { poly } from './poly.ts';
import { gigaset } from './gigaset.ts';
import { cisco } from './cisco.ts';
import { fanvil } from './fanvil.ts';

export type { PhoneClientSpec };
export const PHONE_CLIENTS: readonly PhoneClientSpec[] = [yealink, snom, grandstream, poly, gigaset, cisco, fanvil];

/** A MAC with the vendor's OUI (what real phones of it have), distinct per `n`. */
export const VENDOR_OUI: Record<PhoneClientSpec['vendor'], string> = {
  yealink: '001565',
  snom: '000413',
  grandstream: 'c074ad',
  poly: '0004f2',
  gigaset: '7c2f80',
  cisco: '0002fd',
  fanvil: '0c383e',
};
export function vendorMac(vendor: PhoneClientSpec['vendor'], n: number): string {
  return `${VENDOR_OUI[vendor]}${n.toString(16).padStart(6, '0')}`;
}

/** Fetches a file as a phone does over TFTP with the real tftp-hpa client. */
export async function tftpGet(port: number, name: string, dir: string): Promise<{ ok: boolean; body: Buffer; output: string }> {
  const { execFile } = await import('node:child_process');
  const { readFileSync, existsSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const local = join(dir, `tftp-${Math.random().toString(36).slice(2)}`);
  const output = await new Promise<string>((resolve) => {
    execFile('tftp', ['127.0.0.1', String(port), '-m', 'octet', '-c', 'get', name, local], { timeout: 30_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  const ok = existsSync(local) && !/error|timed out/i.test(output);
  const body = existsSync(local) ? readFileSync(local) : Buffer.alloc(0);
  rmSync(local, { force: true });
  return { ok, body, output };
}
