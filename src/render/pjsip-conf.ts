// pjsip.conf: transports, one endpoint/auth/aor per device, one endpoint/aor/identify (and
// auth/registration) per trunk. Media always flows through the box (direct_media=no): recording,
// NAT and monitoring need it, and it keeps phones out of each other's reach.
import type { PbxConfig, Trunk } from '../domain/model.ts';
import { callerId, renderIni, type IniSection } from './ini.ts';
import { classContext, INBOUND_CONTEXT } from './extensions-conf.ts';
import type { ExpectedObject, RenderContext } from './types.ts';
import { encodeRecording } from './recording.ts';
import { VOICEMAIL_CONTEXT, watchedMailboxes } from '../domain/voicemail.ts';

export const TRUNK_PREFIX = 'trunk-';
const DEVICE_CODECS = ['alaw', 'ulaw', 'g722', 'gsm'];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function trunkEndpoint(name: string): string {
  return `${TRUNK_PREFIX}${name}`;
}

function transports(config: PbxConfig, ctx: RenderContext): IniSection[] {
  const s = config.system;
  const nat: [string, string | string[] | undefined][] = s.externalAddress
    ? [
        ['external_media_address', s.externalAddress],
        ['external_signaling_address', s.externalAddress],
        ['local_net', s.localNets],
      ]
    : [];
  return (['udp', 'tcp'] as const).map((protocol) => ({
    name: `transport-${protocol}`,
    owner: 'system settings',
    entries: [['type', 'transport'], ['protocol', protocol], ['bind', `${ctx.sipBindAddress}:${s.sipPort}`], ...nat],
  }));
}

function trunkSections(t: Trunk, config: PbxConfig): IniSection[] {
  const id = trunkEndpoint(t.name);
  const owner = `trunk ${t.name}`;
  const hostPort = `${t.host}:${t.port}`;
  const transport = `transport-${t.transport}`;
  const sections: IniSection[] = [
    {
      name: id,
      owner,
      comment: `trunk ${t.name} (${t.type})`,
      entries: [
        ['type', 'endpoint'],
        // Only by address: without this, Asterisk's default (username,ip) would take an
        // INVITE from anywhere whose From user is trunk-<name> as this unauthenticated trunk.
        ['identify_by', 'ip'],
        ['context', INBOUND_CONTEXT],
        ['transport', transport],
        ['disallow', 'all'],
        ['allow', t.codecs.join(',')],
        ['aors', id],
        ['outbound_auth', t.type === 'register' ? id : undefined],
        ['from_user', t.type === 'register' ? t.username : undefined],
        ['from_domain', t.host],
        ['direct_media', false],
        ['rtp_symmetric', true],
        ['rewrite_contact', true],
        ['send_pai', true],
        ['trust_id_inbound', false],
        ['language', config.system.language],
      ],
    },
    {
      name: id,
      owner,
      entries: [
        ['type', 'aor'],
        // The endpoint's and registration's transport= select TCP; no URI parameter needed.
        ['contact', `sip:${hostPort}`],
        ['qualify_frequency', t.qualify ? 60 : 0],
      ],
    },
    {
      name: id,
      owner,
      entries: [['type', 'identify'], ['endpoint', id], ['match', t.host]],
      // Asterisk resolves a host name once, at load; if DNS fails it drops the identify.
      ...(IPV4.test(t.host) ? {} : { optional: `trunk ${t.name}: ${t.host} does not resolve, so calls from this carrier are not recognised until it does (the next apply tries again)` }),
    },
  ];
  if (t.type === 'register') {
    sections.push(
      { name: id, owner, entries: [['type', 'auth'], ['auth_type', 'digest'], ['username', t.username], ['password', t.password]] },
      {
        name: id,
        owner,
        entries: [
          ['type', 'registration'],
          ['transport', transport],
          ['outbound_auth', id],
          ['server_uri', `sip:${hostPort}`],
          ['client_uri', `sip:${t.username}@${hostPort}`],
          ['contact_user', t.username],
          ['endpoint', id],
          ['line', true],
          ['expiration', 600],
          ['retry_interval', 60],
          ['forbidden_retry_interval', 600],
          ['max_retries', 10000],
        ],
      },
    );
  }
  return sections;
}

export function renderPjsipConf(config: PbxConfig, ctx: RenderContext): { text: string; expected: ExpectedObject[] } {
  const sections: IniSection[] = [
    {
      name: 'global',
      owner: 'system settings',
      entries: [
        ['type', 'global'],
        ['user_agent', 'PBX appliance'],
        // Trunks are recognised by address first, so a carrier's caller number can never be
        // mistaken for a device username.
        ['endpoint_identifier_order', 'ip,username'],
        ['default_realm', 'pbx'],
      ],
    },
    ...transports(config, ctx),
  ];

  for (const ext of config.extensions) {
    for (const d of ext.devices) {
      const owner = `extension ${ext.number} device ${d.username}`;
      const acl: [string, string[] | undefined][] = d.permit.length
        ? [
            ['deny', ['0.0.0.0/0']],
            ['permit', d.permit],
          ]
        : [];
      sections.push(
        {
          name: d.username,
          owner,
          comment: `extension ${ext.number}`,
          entries: [
            ['type', 'endpoint'],
            ['identify_by', 'username'],
            ['context', classContext(ext.class)],
            ['disallow', 'all'],
            ['allow', DEVICE_CODECS.join(',')],
            ['auth', d.username],
            ['aors', d.username],
            ['callerid', callerId(ext.name, ext.number)],
            ['direct_media', false],
            ['rtp_symmetric', true],
            ['force_rport', true],
            ['rewrite_contact', true],
            ['language', ext.language ?? config.system.language],
            // PBX_LOCK_CLASS: the class its calls go through while the phone is locked (pbx-lib-locked).
            // PBX_CALLER_REC: the extension's recording policy, for calls it places (pbx-lib-rec-prepare).
            ['set_var', [`PBX_CALLER_EXT=${ext.number}`, `PBX_LOCK_CLASS=${classContext(ext.lockedClass)}`, ...(ext.recording.mode === 'never' ? [] : [`PBX_CALLER_REC=${encodeRecording(ext.recording)}`])]],
            ['device_state_busy_at', ext.busyLevel],
            // Unsolicited MWI (NOTIFY message-summary): its own box and the shared boxes it belongs to.
            ['mailboxes', watchedMailboxes(config, ext.number).map((b) => `${b}@${VOICEMAIL_CONTEXT}`).join(',') || undefined],
            // Its ringing calls may be taken by the group pickup code from phones of the same group.
            ['call_group', ext.pickupGroup],
            ['pickup_group', ext.pickupGroup],
            // A transfer by in-call code (features.conf) dials the target in the phone's class;
            // without it Asterisk would use the channel's context: the library routine that dialled.
            ['set_var', `TRANSFER_CONTEXT=${classContext(ext.class)}`],
            ...acl,
          ],
        },
        { name: d.username, owner, entries: [['type', 'auth'], ['auth_type', 'digest'], ['username', d.username], ['password', d.password]] },
        {
          name: d.username,
          owner,
          entries: [
            ['type', 'aor'],
            ['max_contacts', 1],
            ['remove_existing', true],
            ['qualify_frequency', ctx.deviceQualifySeconds],
          ],
        },
      );
    }
  }
  for (const t of config.trunks) sections.push(...trunkSections(t, config));

  const expected: ExpectedObject[] = [];
  for (const s of sections) {
    const type = s.entries.find(([k]) => k === 'type')?.[1];
    if (typeof type === 'string' && type !== 'global') expected.push({ kind: `pjsip ${type}`, id: s.name, owner: s.owner, ...(s.optional ? { optional: s.optional } : {}) });
  }
  return { text: renderIni('Generated by the PBX supervisor from its database. Do not edit: changes are overwritten.', sections), expected };
}
