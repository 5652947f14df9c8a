#!/usr/bin/env node
// pbxctl: configuration as code and admin commands for root on the box. It talks to the running
// supervisor over its local control socket, so every change goes through the same service layer
// (validation, one transaction, audit, apply) as the API and the GUI.
//
//   pbxctl export                 print the whole configuration as YAML
//   pbxctl diff  -f pbx.yaml      show what applying the file would change
//   pbxctl apply -f pbx.yaml      validate the whole file, then apply it all or nothing
//   pbxctl status                 health, registered devices, active calls
//   pbxctl switch NAME            print the switch's current state
//   pbxctl switch NAME STATE      put the switch in that state (as its feature code does)
//
// Exit codes: 0 done, 1 refused (invalid file) or apply failed, 2 usage, 3 supervisor unreachable.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../daemon-config.ts';

interface Reply {
  status: number;
  body: string;
}

function call(socketPath: string, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body === undefined ? {} : { 'content-type': 'application/yaml' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface ErrorBody {
  error: { code: string; message: string; fields: { path: string; message: string; line?: number }[] };
}
interface Change {
  object: string;
  key: string;
  change: string;
}

function printError(file: string | undefined, e: ErrorBody['error']): void {
  process.stderr.write(`pbxctl: ${e.message}\n`);
  for (const f of e.fields) {
    const where = f.line ? `${file === undefined || file === '-' ? '<stdin>' : file}:${f.line}: ` : '';
    process.stderr.write(`  ${where}${f.path}: ${f.message}\n`);
  }
}

function printChanges(changes: Change[]): void {
  if (changes.length === 0) {
    process.stdout.write('no changes\n');
    return;
  }
  const sign: Record<string, string> = { added: '+', removed: '-', changed: '~' };
  for (const c of changes) process.stdout.write(`${sign[c.change] ?? '?'} ${c.object} ${c.key}\n`);
  process.stdout.write(`${changes.length} change(s)\n`);
}

const USAGE = 'usage: pbxctl [--socket PATH] export | diff -f FILE | apply -f FILE | status | switch NAME [STATE] | reset-password USER | add-user USER ROLE\n';

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let socket = process.env.PBX_CONTROL_SOCKET ?? join(process.env.PBX_DATA_DIR ?? join(REPO_ROOT, 'data'), 'run', 'control.sock');
  let file: string | undefined;
  const rest: string[] = [];
  while (args.length) {
    const a = args.shift()!;
    if (a === '--socket') socket = args.shift() ?? '';
    else if (a === '-f' || a === '--file') file = args.shift();
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else rest.push(a);
  }
  const [command] = rest;
  const readInput = () => (file === '-' || file === undefined ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));

  try {
    switch (command) {
      case 'export': {
        const r = await call(socket, 'GET', '/v1/config');
        process.stdout.write(r.body);
        return r.status === 200 ? 0 : 1;
      }
      case 'diff':
      case 'apply': {
        if (!file) {
          process.stderr.write(`pbxctl ${command}: -f FILE is required (- for standard input)\n`);
          return 2;
        }
        let text: string;
        try {
          text = readInput();
        } catch (err) {
          process.stderr.write(`pbxctl: cannot read ${file}: ${(err as Error).message}\n`);
          return 2;
        }
        const r = await call(socket, 'POST', `/v1/config/${command}`, text);
        const body = JSON.parse(r.body) as ErrorBody & { changes: Change[]; revision?: number; apply?: { ok: boolean; pending?: boolean; error?: { message: string; objects: string[]; details: string[] } } };
        if (body.error) {
          printError(file, body.error);
          return 1;
        }
        printChanges(body.changes);
        if (command === 'apply' && body.apply) {
          if (body.apply.pending) {
            process.stdout.write(`saved as revision ${body.revision}; Asterisk is not reachable now, the change applies when it is (see pbxctl status)\n`);
            return 0;
          }
          if (!body.apply.ok) {
            process.stderr.write(`pbxctl: saved as revision ${body.revision}, but Asterisk did not take it: ${body.apply.error?.message}\n`);
            for (const o of body.apply.error?.objects ?? []) process.stderr.write(`  object: ${o}\n`);
            for (const d of body.apply.error?.details ?? []) process.stderr.write(`  asterisk: ${d}\n`);
            process.stderr.write('the running configuration is unchanged\n');
            return 1;
          }
          process.stdout.write(`applied revision ${body.revision}\n`);
        }
        return 0;
      }
      case 'status': {
        const r = await call(socket, 'GET', '/v1/status');
        const s = JSON.parse(r.body) as {
          health: { status: string; parts: Record<string, { ok: boolean; state?: string }> };
          registrations: { endpoint: string; uri: string; status: string }[];
          activeCalls: number;
        };
        process.stdout.write(`health: ${s.health.status}\n`);
        for (const [name, p] of Object.entries(s.health.parts)) process.stdout.write(`  ${name}: ${p.ok ? 'ok' : 'NOT OK'}${p.state ? ` (${p.state})` : ''}\n`);
        const devices = s.registrations.filter((r) => !r.endpoint.startsWith('trunk-'));
        process.stdout.write(`registered devices: ${devices.length}\n`);
        for (const d of devices) process.stdout.write(`  ${d.endpoint} ${d.uri} ${d.status}\n`);
        process.stdout.write(`active calls: ${s.activeCalls}\n`);
        return s.health.status === 'ok' ? 0 : 1;
      }
      case 'add-user': {
        const [, user, role] = rest;
        if (!user || !role || !/^[a-z][a-z0-9._-]{1,31}$/.test(user) || !/^[a-z][a-z0-9_-]{1,31}$/.test(role)) {
          process.stderr.write('pbxctl add-user: USER and ROLE are required (e.g. add-user dpo privacy-admin)\n');
          return 2;
        }
        const r = await call(socket, 'POST', `/v1/users/${user}?role=${role}`, '');
        const body = JSON.parse(r.body) as ErrorBody & { password?: string };
        if (body.error) {
          printError('', body.error);
          return 1;
        }
        process.stdout.write(`user ${user} (${role}) created; one-time password: ${body.password}\n(it must be changed at the first login)\n`);
        return 0;
      }
      case 'switch': {
        const [, name, state, ...extra] = rest;
        if (!name || !/^[a-z][a-z0-9_-]{0,31}$/.test(name) || extra.length || (state !== undefined && !/^[a-z][a-z0-9_-]{0,31}$/.test(state))) {
          process.stderr.write('pbxctl switch: NAME (a switch) is required, optionally followed by the STATE to put it in\n');
          return 2;
        }
        const r = state === undefined ? await call(socket, 'GET', `/v1/switches/${name}/state`) : await call(socket, 'PUT', `/v1/switches/${name}/state`, state);
        const body = JSON.parse(r.body) as ErrorBody & { switch?: string; state?: string; states?: string[] };
        if (body.error) {
          printError(undefined, body.error);
          return 1;
        }
        process.stdout.write(`${body.state}\n`);
        return 0;
      }
      case 'reset-password': {
        const user = rest[1];
        if (!user || !/^[a-z][a-z0-9._-]{1,31}$/.test(user)) {
          process.stderr.write('pbxctl reset-password: USER (a user name) is required\n');
          return 2;
        }
        const r = await call(socket, 'POST', `/v1/users/${user}/reset-password`, '');
        const body = JSON.parse(r.body) as ErrorBody & { password?: string };
        if (body.error) {
          process.stderr.write(`pbxctl: ${body.error.message}\n`);
          return 1;
        }
        process.stdout.write(`one-time password for ${user}: ${body.password}\n(it must be changed at the next login)\n`);
        return 0;
      }
      default:
        process.stderr.write(USAGE);
        return 2;
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') {
      process.stderr.write(`pbxctl: the PBX supervisor is not reachable at ${socket} (${e.code}); is it running?\n`);
      return 3;
    }
    throw err;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
