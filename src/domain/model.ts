// The PBX model: one zod schema per object. These schemas are the single source for validation
// (services, pbxctl, later the REST API), the YAML format and its JSON Schema.
//
// Invariant: every string that reaches an Asterisk file passes one of the text/identifier
// schemas below, so no user text can carry a newline, a section header or a comment into
// pjsip.conf or extensions.conf. The renderer relies on this and does not escape again.
import { z } from 'zod';

/** Free text shown to people (names, PBX name): printable, one line, no Asterisk-significant characters. */
export const displayText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must be one line without control characters')
    .refine((s) => !/[\[\]";\\<>]/.test(s), 'must not contain [ ] ; " \\ < or >');

/** Object names used as identifiers in Asterisk files (trunks, rules, classes). */
export const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, - and _, starting with a letter, at most 32');

export const extensionNumber = z.string().regex(/^[0-9]{2,8}$/, '2 to 8 digits');
export const externalNumber = z
  .string()
  .regex(/^\+?[0-9*#]{1,30}$/, 'digits, * and #, optionally starting with +, at most 30');

/**
 * Dial patterns, in Asterisk notation without the leading underscore: digits, * # + as
 * themselves, X (0-9), Z (1-9), N (2-9), [1-5] ranges, and a final . (one or more) or ! (zero
 * or more). A pattern without wildcards is an exact number.
 */
export const dialPattern = z
  .string()
  .regex(
    /^(?:[0-9*#+]|[XZN]|\[(?:[0-9](?:-[0-9])?)+\])+[.!]?$/,
    'digits, * # +, X Z N, [1-5] ranges, optionally ending in . or !',
  );

export function isExactNumber(pattern: string): boolean {
  return /^[0-9*#+]+$/.test(pattern);
}

export const sipUsername = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'letters, digits, . _ -, at most 40, starting with a letter or digit')
  .refine((s) => !s.startsWith('trunk-') && !s.startsWith('pbx-'), 'must not start with trunk- or pbx- (reserved)');

/** SIP secrets: printable ASCII without spaces, comment characters (; #), quotes, backslash or brackets. */
export const sipSecret = z
  .string()
  .min(8, 'at least 8 characters')
  .max(64, 'at most 64 characters')
  .regex(/^[!-~]+$/, 'printable ASCII without spaces')
  .refine((s) => !/[;#"\\\[\]]/.test(s), 'must not contain ; # " \\ [ or ]');

const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export const cidr = z
  .string()
  .refine((s) => {
    const [ip, bits, ...rest] = s.split('/');
    if (rest.length || !ip || !ipv4.test(ip)) return false;
    return bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32);
  }, 'an IPv4 address or network such as 192.168.1.0/24');
export const hostName = z
  .string()
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'a host name or IPv4 address',
  );
const port = z.number().int().min(1).max(65535);
export const language = z.enum(['en', 'it']);

// ---------------------------------------------------------------------------------------------

export const systemSchema = z
  .object({
    name: displayText(64).default('PBX'),
    timezone: z
      .string()
      .regex(/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){0,2}$/, 'a time zone such as Europe/Rome')
      .default('UTC'),
    language: language.default('en'),
    sipPort: port.default(5060),
    rtpStart: port.default(10000),
    rtpEnd: port.default(20000),
    /** Public address announced in SIP/SDP when the box is behind NAT. */
    externalAddress: hostName.describe('Public address announced in SIP/SDP when the box is behind NAT').optional(),
    /** Networks reached without NAT (only meaningful with externalAddress). */
    localNets: z.array(cidr).max(32).describe('Networks reached without NAT (only meaningful with an external address)').default([]),
    /**
     * Address AMI listens on. Absent: every address when there are AMI users (CRMs connect from
     * the LAN, each user limited by its permit), loopback otherwise (only the supervisor).
     */
    amiBindAddress: z
      .string()
      .regex(ipv4, 'an IPv4 address')
      .describe('Address AMI listens on; absent: every address when there are AMI users, loopback otherwise')
      .optional(),
    /** Time servers the box (and, with provisioning, its phones) synchronise with. */
    ntpServers: z.array(hostName).max(8).describe('Time servers the box and its phones synchronise with').default(['pool.ntp.org']),
  })
  .strict()
  .refine((s) => s.rtpEnd > s.rtpStart, { message: 'rtpEnd must be greater than rtpStart', path: ['rtpEnd'] });

export const deviceSchema = z
  .object({
    username: sipUsername,
    password: sipSecret,
    /** Networks the device may register and call from; empty means anywhere. */
    permit: z.array(cidr).max(16).describe('Networks the device may register and call from; empty means anywhere').default([]),
  })
  .strict();

/** An extension number that names an extension (`x-ref`: the GUI offers the extensions). */
const extensionRef = () => extensionNumber.meta({ 'x-ref': 'extensions' });

/** Where a forwarded call goes: an extension or an external number (dialled with the forwarding extension's class). */
export const forwardTargetSchema = z.union([
  z.object({ extension: extensionRef() }).strict(),
  z.object({ external: externalNumber }).strict(),
]);

export const forwardSchema = z
  .object({
    always: forwardTargetSchema.optional(),
    busy: forwardTargetSchema.optional(),
    noAnswer: z
      .union([
        z.object({ extension: extensionRef(), after: z.number().int().min(5).max(300).default(20) }).strict(),
        z.object({ external: externalNumber, after: z.number().int().min(5).max(300).default(20) }).strict(),
      ])
      .optional(),
    unreachable: forwardTargetSchema.optional(),
  })
  .strict();

export const extensionSchema = z
  .object({
    number: extensionNumber,
    name: displayText(64),
    email: z.email('a valid e-mail address').max(254).optional(),
    language: language.optional(),
    /** Calling class; without one the extension reaches only internal and emergency numbers. */
    class: identifier
      .meta({ 'x-ref': 'calling-classes', description: 'Calling class; without one the extension reaches only internal and emergency numbers' })
      .optional(),
    /** Calls (ringing or connected, in or out) allowed before new calls get busy; absent = no limit. */
    busyLevel: z
      .number()
      .int()
      .min(1)
      .max(99)
      .describe('Calls (ringing or connected, in or out) allowed before new calls get busy; absent = no limit')
      .optional(),
    dnd: z.boolean().describe('Do not disturb: callers get busy (or the busy forward)').default(false),
    devices: z.array(deviceSchema).max(10).describe('SIP accounts that ring together and present the extension\'s identity').default([]),
    forward: forwardSchema.describe('Where calls go instead: always, when busy, after no answer, when no device is registered').default({}),
  })
  .strict();

export const trunkSchema = z
  .object({
    name: identifier,
    /** register: the box registers to the carrier; ip: the carrier is recognised by its address. */
    type: z.enum(['register', 'ip']).describe('register: the box registers with the carrier; ip: the carrier is recognised by its address'),
    host: hostName,
    port: port.default(5060),
    transport: z.enum(['udp', 'tcp']).default('udp'),
    username: sipUsername.optional(),
    password: sipSecret.optional(),
    codecs: z.array(z.enum(['alaw', 'ulaw', 'g722', 'gsm', 'opus', 'g729'])).min(1).default(['alaw', 'ulaw']),
    /** Caller number presented on calls out of this trunk. */
    callerId: externalNumber.describe('Caller number presented on calls out of this trunk').optional(),
    /** Concurrent calls out of this trunk; absent = no limit. */
    maxChannels: z.number().int().min(1).max(1000).describe('Concurrent calls out of this trunk; absent = no limit').optional(),
    qualify: z.boolean().describe('Send OPTIONS every 60 s; an unreachable trunk is skipped at once').default(true),
  })
  .strict()
  .refine((t) => t.type !== 'register' || (t.username && t.password), {
    message: 'a register trunk needs username and password',
    path: ['username'],
  });

export const destinationSchema = z.union([
  z.object({ extension: extensionRef() }).strict(),
  z.object({ external: externalNumber }).strict(),
  z.object({ hangup: z.literal(true) }).strict(),
]);

export const inboundRouteSchema = z
  .object({
    did: dialPattern,
    destination: destinationSchema,
  })
  .strict();

export const outboundRuleSchema = z
  .object({
    name: identifier,
    patterns: z.array(dialPattern).min(1).max(50),
    /** Digits removed from the front of the dialled number, then `prepend` is added. */
    strip: z.number().int().min(0).max(20).describe('Digits removed from the front of the dialled number, then prepend is added').default(0),
    prepend: z.string().regex(/^[0-9*#+]{0,20}$/, 'digits, * # +').describe('Digits added in front of the number after strip').default(''),
    /** Tried in order; the next one on congestion or unavailability. */
    trunks: z
      .array(identifier.meta({ 'x-ref': 'trunks' }))
      .min(1)
      .max(10)
      .describe('Tried in order; the next one on congestion or unavailability'),
  })
  .strict();

export const callingClassSchema = z
  .object({
    name: identifier,
    rules: z
      .array(identifier.meta({ 'x-ref': 'outbound-rules' }))
      .max(50)
      .describe('Outbound rules whose patterns extensions of this class may dial')
      .default([]),
  })
  .strict();

export const outboundSchema = z
  .object({
    rules: z.array(outboundRuleSchema).default([]),
    classes: z.array(callingClassSchema).default([]),
    /** Always allowed, whatever the class, through every trunk in order. */
    emergency: z.array(z.string().regex(/^[0-9]{2,6}$/, '2 to 6 digits')).default(['112']),
  })
  .strict();

/**
 * AMI classes a CRM user may be given. `system`, `command`, `config` and `all` are left out on
 * purpose: they let an AMI client stop Asterisk, run CLI commands or rewrite the files the
 * supervisor owns (and Originate to System()/Exec() needs `system`).
 */
export const AMI_READ_CLASSES = ['call', 'cdr', 'agent', 'user', 'dtmf', 'reporting', 'dialplan', 'cc', 'aoc'] as const;
export const AMI_WRITE_CLASSES = ['call', 'originate', 'agent', 'user', 'reporting', 'dtmf'] as const;

/** An AMI login for CRM software; manager.conf is rendered from these. */
export const amiUserSchema = z
  .object({
    username: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{2,31}$/, 'lowercase letters, digits, - and _, starting with a letter, 3 to 32')
      .refine((s) => !s.startsWith('pbx-'), 'must not start with pbx- (reserved)')
      .refine((s) => s !== 'general', 'general is reserved (the section of AMI settings)'),
    secret: sipSecret,
    read: z.array(z.enum(AMI_READ_CLASSES)).max(AMI_READ_CLASSES.length).default(['call', 'cdr']),
    write: z.array(z.enum(AMI_WRITE_CLASSES)).max(AMI_WRITE_CLASSES.length).default([]),
    /** Networks the client may log in from; at least one. */
    permit: z.array(cidr).min(1, 'at least one permitted network').max(16).describe('Networks the client may log in from; at least one'),
  })
  .strict();

export const CALL_EVENT_TYPES = ['call.ringing', 'call.answered', 'call.transferred', 'call.hangup'] as const;

/** An HTTP endpoint that receives call events (CRM "automatic actions"). Not rendered for Asterisk. */
export const webhookSchema = z
  .object({
    name: identifier,
    url: z
      .string()
      .max(2048, 'at most 2048 characters')
      .refine((s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
        } catch {
          return false;
        }
      }, 'an http:// or https:// URL without credentials'),
    events: z.array(z.enum(CALL_EVENT_TYPES)).min(1, 'at least one event').max(CALL_EVENT_TYPES.length),
    /** Key of the HMAC-SHA256 signature header; the receiver checks it. */
    secret: z
      .string()
      .min(16, 'at least 16 characters')
      .max(128, 'at most 128 characters')
      .regex(/^[!-~]+$/, 'printable ASCII without spaces')
      .describe('Key of the HMAC-SHA256 signature header; the receiver checks it'),
    /** Only calls involving these extensions; empty means every call. */
    extensions: z.array(extensionRef()).max(100).describe('Only calls involving these extensions; empty means every call').default([]),
    enabled: z.boolean().default(true),
  })
  .strict();

/** A phonebook entry: names the caller on call events (screen-pop) and, later, the LDAP directory. */
export const contactSchema = z
  .object({
    /** Stable identifier chosen by the client (e.g. a CRM id or a slug). */
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _, at most 64')
      .describe('Stable identifier chosen by the client (e.g. a CRM id or a slug)'),
    name: displayText(80),
    company: displayText(80).optional(),
    numbers: z
      .array(z.object({ type: z.enum(['work', 'mobile', 'home', 'fax', 'other']).default('work'), number: externalNumber }).strict())
      .min(1, 'at least one number')
      .max(10),
    email: z.email('a valid e-mail address').max(254).optional(),
  })
  .strict();

/** Version of the model's format (backups, exports). Raise it when a change is not backward compatible. */
export const MODEL_VERSION = 1;

export const pbxConfigSchema = z
  .object({
    system: systemSchema.default(systemSchema.parse({})),
    extensions: z.array(extensionSchema).default([]),
    trunks: z.array(trunkSchema).default([]),
    inboundRoutes: z.array(inboundRouteSchema).default([]),
    outbound: outboundSchema.default(outboundSchema.parse({})),
    amiUsers: z.array(amiUserSchema).default([]),
    webhooks: z.array(webhookSchema).default([]),
    phonebook: z.array(contactSchema).max(100_000).default([]),
  })
  .strict();

export type SystemSettings = z.infer<typeof systemSchema>;
export type Device = z.infer<typeof deviceSchema>;
export type ForwardTarget = z.infer<typeof forwardTargetSchema>;
export type Forward = z.infer<typeof forwardSchema>;
export type Extension = z.infer<typeof extensionSchema>;
export type Trunk = z.infer<typeof trunkSchema>;
export type Destination = z.infer<typeof destinationSchema>;
export type InboundRoute = z.infer<typeof inboundRouteSchema>;
export type OutboundRule = z.infer<typeof outboundRuleSchema>;
export type CallingClass = z.infer<typeof callingClassSchema>;
export type Outbound = z.infer<typeof outboundSchema>;
export type AmiUser = z.infer<typeof amiUserSchema>;
export type Webhook = z.infer<typeof webhookSchema>;
export type Contact = z.infer<typeof contactSchema>;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];
/** The whole configuration: what the store snapshots, the renderer reads and pbxctl exports. */
export type PbxConfig = z.infer<typeof pbxConfigSchema>;
export type PbxConfigInput = z.input<typeof pbxConfigSchema>;

export function emptyConfig(): PbxConfig {
  return pbxConfigSchema.parse({});
}
