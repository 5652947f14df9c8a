// 6. The LDAP phonebook with 10,000 shared contacts: searches as the phones send them, through a
// real LDAP client (ldapjs' client over TCP, one bound connection like a phone's), one after the
// other: a name typed in lowercase (the vendors' name filter), a caller's number (the number
// filter, as on an incoming call), and a search of everything cut by the size limit. The first
// search after the start builds the tree (once per configuration revision): it is measured apart.
import { createServer } from 'node:net';
import ldap from 'ldapjs';
import type { BenchContext } from '../lib/context.ts';
import { fig, type DirectoryResult } from '../lib/results.ts';
import { summarize } from '../lib/stats.ts';
import { startSupervisor } from '../lib/supervisor.ts';
import { PHONEBOOK_BASE_DN, PHONEBOOK_NAME_FILTER, PHONEBOOK_NUMBER_FILTER } from '../../../src/domain/phones.ts';

const FULL = { contacts: 10_000, searches: 2000 };
const SMOKE: typeof FULL = { contacts: 200, searches: 50 };
const PASSWORD = 'Bench-Phonebook-9';
const NAMES = ['anna', 'bruno', 'chiara', 'davide', 'elena', 'franco', 'giulia', 'luca', 'marta', 'nicola'];
const SURNAMES = ['rossi', 'bianchi', 'müller', 'smith', 'ferrari', 'esposito', 'romano', 'colombo', 'ricci', 'marino'];

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const number = (i: number) => `+3902${String(1_000_000 + i)}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

type Client = ReturnType<typeof ldap.createClient>;
function search(client: Client, filter: string, sizeLimit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    client.search(PHONEBOOK_BASE_DN, { scope: 'sub', filter, sizeLimit, attributes: ['cn', 'telephoneNumber', 'mobile'] }, (err, res) => {
      if (err) return reject(err);
      let n = 0;
      res.on('searchEntry', () => n++);
      res.on('error', (e: Error & { code?: number }) => (e.code === 4 || /size limit/i.test(e.message) ? resolve(n) : reject(e)));
      res.on('end', () => resolve(n));
    });
  });
}

export async function directory(ctx: BenchContext): Promise<DirectoryResult> {
  const S = ctx.smoke ? SMOKE : FULL;
  const phonebook = Array.from({ length: S.contacts }, (_, i) => ({
    id: `c${i}`,
    name: `${cap(NAMES[i % 10]!)} ${cap(SURNAMES[Math.floor(i / 10) % 10]!)} ${i}`,
    numbers: [{ type: 'work' as const, number: number(i) }],
  }));
  const port = await freePort();
  const sup = await startSupervisor(ctx, {
    name: 'directory',
    asterisk: false,
    config: { phonebook, directory: { bindPassword: PASSWORD, sizeLimit: 50 } },
    env: { PBX_LDAP_PORT: String(port), PBX_LDAP_HOST: '127.0.0.1' },
  });
  const client = ldap.createClient({ url: `ldap://127.0.0.1:${port}` });
  client.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => client.bind('cn=phonebook,ou=users,dc=pbx', PASSWORD, (err) => (err ? reject(err) : resolve())));
    let t = performance.now();
    await search(client, '(cn=*)', 1);
    const firstMs = performance.now() - t;
    const run = async (make: (i: number) => string, sizeLimit: number) => {
      const ms: number[] = [];
      const started = performance.now();
      let errors = 0;
      for (let i = 0; i < S.searches; i++) {
        t = performance.now();
        try {
          await search(client, make(i), sizeLimit);
          ms.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
      return summarize(ms, (performance.now() - started) / 1000, errors);
    };
    // What a user types: 2 to 4 letters of a first name or surname.
    const name = await run((i) => PHONEBOOK_NAME_FILTER.replaceAll('%', `${[...NAMES, ...SURNAMES][i % 20]!.slice(0, 2 + (i % 3))}*`), 50);
    // An incoming call: the caller's number in national form.
    const num = await run((i) => PHONEBOOK_NUMBER_FILTER.replaceAll('%', number((i * 7919) % S.contacts).replace('+39', '')), 50);
    const all = await run(() => '(objectClass=*)', 50);
    ctx.log(`directory: ${S.contacts} contacts; name p50 ${name.p50.value} ms p99 ${name.p99.value} ms; number p50 ${num.p50.value} ms p99 ${num.p99.value} ms; first search ${firstMs.toFixed(0)} ms`);
    return {
      contacts: S.contacts,
      firstSearch: fig(Math.round(firstMs * 100) / 100, 'ms', 'builds the tree and its index for the revision'),
      name,
      number: num,
      sizeLimited: all,
    };
  } finally {
    client.destroy();
    await sup.stop();
  }
}
