// The reference of the call-capacity benchmark: Asterisk 22 from the same rootfs, started the
// same way the supervisor starts it (ChrootAsterisk), with a minimal hand-written configuration
// that only bridges: one authenticated endpoint for all the callers, Dial(PJSIP/${EXTEN}@carrier),
// direct_media=no, u-law only. No supervisor, no AMI/ARI client, no dialplan libraries, no
// extensions, trunks or LCR rules: what is left is what any Asterisk must do to relay the calls.
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChrootAsterisk, rootfsModuleDir } from '../../../src/asterisk/process.ts';
import { createLogger } from '../../../src/lib/log.ts';
import { freePortBlock, waitFor } from '../../../test/lib/pbx.ts';
import { amiCommand, type AmiAccess } from './ami-command.ts';
import type { BenchContext } from './context.ts';

/** The bridge needs these and nothing else (autoload=no). */
export const BARE_MODULES = [
  'res_sorcery_config.so', 'res_sorcery_memory.so', 'res_sorcery_astdb.so', 'res_pjproject.so',
  'res_pjsip.so', 'res_pjsip_session.so', 'res_pjsip_pubsub.so', 'res_pjsip_authenticator_digest.so',
  'res_pjsip_endpoint_identifier_ip.so', 'res_pjsip_endpoint_identifier_user.so', 'res_pjsip_sdp_rtp.so',
  'chan_pjsip.so', 'res_rtp_asterisk.so', 'res_timing_timerfd.so', 'codec_ulaw.so',
  'pbx_config.so', 'app_dial.so', 'bridge_simple.so', 'bridge_native_rtp.so',
];

export interface BareAsteriskOptions {
  /** Directory under the run's work directory. */
  name: string;
  rtp: [number, number];
  /** Where Dial(PJSIP/<number>@carrier) sends the calls. */
  carrier: { host: string; port: number };
  /** The one endpoint every caller authenticates as (username is also the From user). */
  caller: { username: string; password: string };
}

export interface BareAsterisk {
  instanceDir: string;
  sipPort: number;
  ami: AmiAccess;
  pid(): number | undefined;
  stop(): Promise<void>;
}

const HEADER = '; Hand-written reference configuration of the call-capacity benchmark (scripts/bench/lib/bare-asterisk.ts).\n';

/** The configuration files of the bare instance, by name. Pure. */
export function bareAsteriskFiles(o: {
  instanceDir: string;
  moduleDir: string;
  sipPort: number;
  ami: AmiAccess;
  rtp: [number, number];
  carrier: { host: string; port: number };
  caller: { username: string; password: string };
}): Record<string, string> {
  const d = o.instanceDir;
  const files: Record<string, string> = {
    'asterisk.conf': `${HEADER}[directories]
astetcdir => ${d}/config
astmoddir => ${o.moduleDir}
astvarlibdir => /var/lib/asterisk
astdbdir => ${d}/lib
astkeydir => ${d}/lib
astdatadir => /usr/share/asterisk
astagidir => /usr/share/asterisk/agi-bin
astspooldir => ${d}/spool
astrundir => ${d}/run
astlogdir => ${d}/log
astsbindir => /usr/sbin

[options]
runuser = asterisk
rungroup = asterisk
`,
    'modules.conf': `${HEADER}[modules]\nautoload = no\n${BARE_MODULES.map((m) => `load => ${m}`).join('\n')}\n`,
    'logger.conf': `${HEADER}[logfiles]\nmessages.log => notice,warning,error\n`,
    'manager.conf': `${HEADER}[general]
enabled = yes
bindaddr = 127.0.0.1
port = ${o.ami.port}

[${o.ami.username}]
secret = ${o.ami.secret}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system,call
write = system,call,command
`,
    'rtp.conf': `${HEADER}[general]\nrtpstart = ${o.rtp[0]}\nrtpend = ${o.rtp[1]}\nicesupport = no\n`,
    'pjsip.conf': `${HEADER}[global]
type = global
endpoint_identifier_order = ip,username

[transport-udp]
type = transport
protocol = udp
bind = 0.0.0.0:${o.sipPort}

[carrier]
type = endpoint
context = from-carrier
disallow = all
allow = ulaw
direct_media = no
aors = carrier

[carrier]
type = aor
contact = sip:${o.carrier.host}:${o.carrier.port}

[carrier]
type = identify
endpoint = carrier
match = ${o.carrier.host}

[${o.caller.username}]
type = endpoint
context = callers
disallow = all
allow = ulaw
direct_media = no
auth = ${o.caller.username}
aors = ${o.caller.username}

[${o.caller.username}]
type = auth
auth_type = userpass
username = ${o.caller.username}
password = ${o.caller.password}

[${o.caller.username}]
type = aor
`,
    'indications.conf': `${HEADER}[general]\ncountry = us\n\n[us]\ndescription = United States\nringcadence = 2000,4000\nring = 440+480/2000,0/4000\nbusy = 480+620/500,0/500\ncongestion = 480+620/250,0/250\n`,
    'extensions.conf': `${HEADER}[callers]
exten => _X.,1,Dial(PJSIP/\${EXTEN}@carrier)
 same => n,Hangup()

[from-carrier]
`,
  };
  // Core files Asterisk reads at start: empty, so nothing from the rootfs's samples applies.
  for (const empty of ['acl.conf', 'cdr.conf', 'cel.conf', 'ccss.conf', 'pjproject.conf', 'udptl.conf', 'features.conf']) files[empty] ??= HEADER;
  return files;
}

/** Starts the bare Asterisk and waits until it has its endpoints. */
export async function startBareAsterisk(ctx: BenchContext, o: BareAsteriskOptions): Promise<BareAsterisk> {
  const dir = join(ctx.workDir, o.name);
  const instanceDir = join(dir, 'asterisk');
  mkdirSync(join(instanceDir, 'config'), { recursive: true });
  const base = await freePortBlock(2);
  const sipPort = base;
  const ami: AmiAccess = { port: base + 1, username: 'bench', secret: `bench-${process.pid}-${Date.now().toString(36)}` };
  const mountPoint = '/srv/pbx';
  const files = bareAsteriskFiles({ instanceDir: mountPoint, moduleDir: rootfsModuleDir(ctx.rootfs), sipPort, ami, rtp: o.rtp, carrier: o.carrier, caller: o.caller });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(instanceDir, 'config', name), text);
  const logger = createLogger({ level: 'warn', name: 'bare-asterisk', destination: createWriteStream(join(dir, 'process.log'), { flags: 'a' }) });
  const proc = new ChrootAsterisk({ rootfs: ctx.rootfs, instanceDir, mountPoint, logger });
  await proc.start();
  const stop = () => proc.stop();
  try {
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`bare Asterisk exited; see ${join(instanceDir, 'log')}`);
        return (await amiCommand(ami, 'pjsip show endpoint carrier', 5000)).some((l) => /Endpoint:\s+carrier\b/.test(l));
      },
      60_000,
      'bare Asterisk to be up',
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { instanceDir, sipPort, ami, pid: () => proc.pid, stop };
}
