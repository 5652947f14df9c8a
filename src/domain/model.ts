// The PBX model: one zod schema per object. These schemas are the single source for validation
// (services, pbxctl, later the REST API), the YAML format and its JSON Schema.
//
// Invariant: every string that reaches an Asterisk file passes one of the text/identifier
// schemas below, so no user text can carry a newline, a section header or a comment into
// pjsip.conf or extensions.conf. The renderer relies on this and does not escape again.
import { z } from 'zod';
import { VENDORS, normalizeMac } from './phones.ts';

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

/** A name that refers to an object of another collection (`x-ref`: the GUI offers them). */
const nameRef = (collection: string) => identifier.meta({ 'x-ref': collection });

/** Sound file names of Asterisk's own prompts (played in the caller's language): demo-congrats, digits/1. */
export const soundName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*(?:\/[a-z0-9_-]+){0,3}$/, 'a prompt name such as demo-congrats or digits/1')
  .max(64, 'at most 64 characters');

/** A recorded message: one of Asterisk's built-in prompts, or an uploaded one (see prompts). */
export const promptRefSchema = z.union([
  z.object({ builtin: soundName }).strict(),
  z.object({ custom: nameRef('prompts') }).strict(),
]);

// The kinds of destination. Each is one object so the GUI offers a choice of kind plus its field.
const toExtension = z.object({ extension: extensionRef() }).strict();
const toExternal = z.object({ external: externalNumber }).strict();
const toHangup = z.object({ hangup: z.literal(true) }).strict();
const toIvr = z.object({ ivr: nameRef('ivrs') }).strict();
const toRingGroup = z.object({ ringGroup: nameRef('ring-groups') }).strict();
const toQueue = z.object({ queue: nameRef('queues') }).strict();
const toTimeCondition = z.object({ timeCondition: nameRef('time-conditions') }).strict();
const toSwitch = z.object({ switch: nameRef('switches') }).strict();
const toLookup = z.object({ lookup: nameRef('lookups') }).strict();
const toAnnouncement = z.object({ announcement: nameRef('announcements') }).strict();
const toDisa = z.object({ disa: nameRef('disa') }).strict();
/** A mailbox: an extension's own (its number) or a shared one; the greeting the caller hears. */
const toVoicemail = z
  .object({
    voicemail: extensionNumber.meta({ 'x-ref': 'voicemail-boxes', description: "The mailbox: an extension's number (its own box) or a shared box's number" }),
    greeting: z.enum(['unavailable', 'busy', 'none']).describe('The greeting played before the beep').default('unavailable'),
  })
  .strict();
const toConference = z.object({ conference: nameRef('conferences') }).strict();

/** Where a call goes: everything that can take a call is a destination. */
export const destinationSchema = z.union([
  toExtension, toExternal, toHangup, toIvr, toRingGroup, toQueue, toTimeCondition, toSwitch, toLookup, toAnnouncement, toDisa,
  toVoicemail, toConference,
]);
/** The object kinds a destination can name, with the collection (API path) of each. */
export const DESTINATION_KINDS = {
  extension: 'extensions',
  ivr: 'ivrs',
  ringGroup: 'ring-groups',
  queue: 'queues',
  timeCondition: 'time-conditions',
  switch: 'switches',
  lookup: 'lookups',
  announcement: 'announcements',
  disa: 'disa',
  voicemail: 'voicemail-boxes',
  conference: 'conferences',
} as const;

/** Where a forwarded call goes: any destination (an external number is dialled with the forwarding extension's class). */
export const forwardTargetSchema = destinationSchema;

const after = z.number().int().min(5).max(300).describe('Seconds of ringing before the call is forwarded').default(20);
export const forwardSchema = z
  .object({
    always: forwardTargetSchema.optional(),
    busy: forwardTargetSchema.optional(),
    noAnswer: z
      .union([
        toExtension.extend({ after }), toExternal.extend({ after }), toHangup.extend({ after }), toIvr.extend({ after }),
        toRingGroup.extend({ after }), toQueue.extend({ after }), toTimeCondition.extend({ after }), toSwitch.extend({ after }),
        toLookup.extend({ after }), toAnnouncement.extend({ after }), toDisa.extend({ after }),
        toVoicemail.extend({ after }), toConference.extend({ after }),
      ])
      .optional(),
    unreachable: forwardTargetSchema.optional(),
  })
  .strict();

const description = displayText(128).describe('What it is for, for the people who maintain it').optional();
/** Numbers in the one number plan that reach an object directly (ring groups, queues, IVRs). */
const objectNumber = extensionNumber.describe('Internal number that reaches it directly (part of the number plan)').optional();
/** Codes dialled from phones: * and up to 6 digits. */
export const featureCode = z.string().regex(/^\*(?:\*|[0-9]{1,6})$/, '* followed by 1 to 6 digits (or **)');
/** Codes typed during a call (features.conf): * or #, then up to 3 of 0-9 * #. */
export const inCallCode = z.string().regex(/^[*#][0-9*#]{1,3}$/, '* or # followed by 1 to 3 of 0-9 * #');
const pin = z.string().regex(/^[0-9]{4,12}$/, '4 to 12 digits');

// --- User services (issue 6) -------------------------------------------------------------------

/** When calls are recorded. Set on extensions, ring groups, queues and routes; a call is recorded when any party's policy says so. */
export const recordingPolicySchema = z
  .object({
    /** never; always; onDemand: a party starts and stops it with the in-call record code. */
    mode: z.enum(['never', 'always', 'onDemand']).describe('never; always; onDemand: started and stopped during the call with the in-call record code').default('never'),
    /** Which calls the policy covers. */
    calls: z.enum(['all', 'internal', 'external']).describe('Which calls it covers: all, internal only, external only').default('all'),
    /** The parties hear a message when recording starts. */
    announce: z.boolean().describe('The parties hear a message when recording starts').default(false),
  })
  .strict();

const vmLimits = {
  maxMessages: z.number().int().min(1).max(9999).describe('Messages the box holds; callers are told it is full beyond').default(100),
  maxSeconds: z.number().int().min(10).max(3600).describe('Longest message, in seconds').default(180),
  /** Messages older than this are deleted by a nightly job; 0 keeps them. */
  retentionDays: z.number().int().min(0).max(3650).describe('Messages older than this are deleted; 0 keeps them').default(0),
  /** A second address that receives every message too. */
  copyTo: z.email('a valid e-mail address').max(254).describe('A second address that receives every message too').optional(),
  /** The message is deleted from the box once e-mailed (needs an address). */
  deleteAfterEmail: z.boolean().describe('Delete the message from the box once it has been e-mailed').default(false),
};

/** An extension's own mailbox (its number); PIN = the extension's PIN. */
export const extensionVoicemailSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Where messages are e-mailed; absent: the extension's address (no address: no e-mail). */
    email: z.email('a valid e-mail address').max(254).describe("Where messages are e-mailed; absent: the extension's address").optional(),
    ...vmLimits,
  })
  .strict();

/** Forking: a mobile rings along with the extension's devices. */
export const mobileSchema = z
  .object({
    number: externalNumber,
    enabled: z.boolean().default(true),
    /** Seconds after the devices start ringing. */
    delay: z.number().int().min(0).max(60).describe('Seconds after the devices start ringing').default(0),
    /** The mobile must press 1 to take the call, so its own voicemail cannot. */
    confirm: z.boolean().describe('The mobile presses 1 to take the call, so its own voicemail cannot').default(true),
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
    /** What a caller hears when the busy level is reached: busy (or the busy forward), ringing until the no-answer time, or waiting in line. */
    whenBusy: z
      .enum(['busy', 'ring', 'queue'])
      .describe('When the busy level is reached: busy (or the busy forward), ringing as if free until the no-answer time, or waiting in line for the extension')
      .default('busy'),
    devices: z.array(deviceSchema).max(10).describe('SIP accounts that ring together and present the extension\'s identity').default([]),
    forward: forwardSchema.describe('Where calls go instead: always, when busy, after no answer, when no device is registered').default({}),
    /** The user's PIN: the mailbox and unlocking the phone. */
    pin: pin.describe('The user PIN: voicemail box and phone unlock').optional(),
    voicemail: extensionVoicemailSchema.describe('The extension\'s own mailbox (unanswered and busy calls go there unless forwarded)').default({ enabled: false, maxMessages: 100, maxSeconds: 180, retentionDays: 0, deleteAfterEmail: false }),
    mobile: mobileSchema.describe('A mobile number that rings along with the devices').optional(),
    /** Phones of the same pickup group take each other's ringing calls with the pickup code. */
    pickupGroup: z.number().int().min(1).max(63).describe("Phones of the same pickup group take each other's ringing calls with the pickup code").optional(),
    /** Calling class while the phone is locked; absent: internal and emergency numbers only. */
    lockedClass: identifier
      .meta({ 'x-ref': 'calling-classes', description: 'Calling class while the phone is locked; absent: internal and emergency numbers only' })
      .optional(),
    recording: recordingPolicySchema.describe('When calls of this extension are recorded').default({ mode: 'never', calls: 'all', announce: false }),
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

export const inboundRouteSchema = z
  .object({
    did: dialPattern,
    destination: destinationSchema,
    /** Callers who hide their number are refused (433 Anonymity Disallowed). */
    rejectAnonymous: z.boolean().describe('Callers who hide their number are refused').default(false),
    recording: recordingPolicySchema.describe('When calls on this route are recorded').default({ mode: 'never', calls: 'all', announce: false }),
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
    recording: recordingPolicySchema.describe('When calls out through this rule are recorded').default({ mode: 'never', calls: 'all', announce: false }),
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

// --- Inbound call handling ---------------------------------------------------------------------


/** An uploaded recording, in one file per language (uploaded through the API, converted for Asterisk). */
export const promptSchema = z
  .object({
    name: identifier,
    description,
  })
  .strict();

const hhmm = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'a time such as 08:30 (24:00 for midnight at the end)');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** 2026-12-25, or 12-25 for a yearly holiday. */
const holidayDate = z
  .string()
  .regex(/^(?:[0-9]{4}-)?[0-9]{2}-[0-9]{2}$/, 'a date such as 2026-12-25 (12-25 when yearly)')
  .refine((d) => {
    const full = d.length === 5 ? `2000-${d}` : d;
    const t = new Date(`${full}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === full;
  }, 'not a date of the calendar');

/** A weekly band: [from, to) on each of the days, in the system time zone. */
export const timeBandSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1, 'at least one day').max(7),
    from: hhmm,
    to: hhmm,
  })
  .strict()
  .refine((b) => b.from < b.to && b.from !== '24:00', { message: 'must end after it starts (split a band that crosses midnight in two)', path: ['to'] });

/** One day or a range of days off; yearly ones repeat every year (the year is ignored). */
export const holidaySchema = z
  .object({
    name: displayText(64).optional(),
    from: holidayDate,
    /** Last day, included; absent: the single day `from`. */
    to: holidayDate.describe('Last day, included; absent: the single day from').optional(),
    /** Every year on the same days (the year, if given, is ignored; the range may wrap over the new year). */
    yearly: z.boolean().describe('Repeat every year on the same days (a range may wrap over the new year)').default(false),
  })
  .strict()
  .refine((h) => h.yearly || (h.from.length === 10 && (h.to === undefined || h.to.length === 10)), { message: 'needs the year (or make it yearly)', path: ['from'] })
  .refine((h) => h.yearly || h.to === undefined || h.to >= h.from, { message: 'must not be before the first day', path: ['to'] });

export const timeConditionSchema = z
  .object({
    name: identifier,
    description,
    bands: z.array(timeBandSchema).max(100).describe('Weekly opening hours, in the system time zone').default([]),
    holidays: z.array(holidaySchema).max(400).describe('Days the bands do not apply').default([]),
    inside: destinationSchema.describe('Where calls go inside the bands'),
    outside: destinationSchema.describe('Where calls go outside the bands'),
    /** Where calls go on a holiday; absent: the outside destination. */
    holiday: destinationSchema.describe('Where calls go on a holiday; absent: the outside destination').optional(),
  })
  .strict();

export const switchStateSchema = z.object({ name: identifier, destination: destinationSchema }).strict();

/** A manual switch (night service, holidays): its current state picks the destination. */
export const switchSchema = z
  .object({
    name: identifier,
    description,
    states: z.array(switchStateSchema).min(2, 'at least two states').max(10).describe('The first one is the normal state (BLF off)'),
    /** Dialled from a phone it moves to the next state. */
    code: featureCode.describe('Dialled from a phone it moves to the next state; also the BLF key to watch it').optional(),
    pin: pin.describe('Asked before the code changes the state').optional(),
    /** Extensions that may use the code; empty: every extension. */
    allowed: z.array(extensionRef()).max(100).describe('Extensions that may use the code; empty: every extension').default([]),
  })
  .strict();

export const IVR_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export const ivrOptionSchema = z.object({ key: z.enum(IVR_KEYS), destination: destinationSchema }).strict();

export const ivrSchema = z
  .object({
    name: identifier,
    number: objectNumber,
    description,
    /** Callers hear the menu (and everything after it) in this language; absent: theirs. */
    language: language.describe("Callers hear the menu and what follows in this language; absent: the caller's").optional(),
    greeting: promptRefSchema.describe('Played while the caller may choose'),
    options: z.array(ivrOptionSchema).max(IVR_KEYS.length).default([]),
    /** Callers may type an extension's number. */
    directDial: z.boolean().describe("Callers may type an extension's number").default(false),
    timeout: z.number().int().min(1).max(60).describe('Seconds to wait for a choice after the greeting').default(5),
    retries: z.number().int().min(0).max(9).describe('Times the menu is repeated after a wrong or missing choice').default(2),
    invalidPrompt: promptRefSchema.describe('Played after a wrong choice').default({ builtin: 'invalid' }),
    fallback: destinationSchema.describe('Where the call goes when the retries are used up').default({ hangup: true }),
  })
  .strict();

export const RING_STRATEGIES = ['all', 'order', 'roundrobin', 'evenly', 'tiers'] as const;
const ringTime = z.number().int().min(5).max(300);
export const ringGroupMemberSchema = z.union([
  z
    .object({
      extension: extensionRef(),
      ringTime: ringTime.describe('Seconds this member rings (in order, round robin and evenly); absent: the group default').optional(),
      tier: z.number().int().min(1).max(9).describe('Tiers ring in order, all members of a tier at once').default(1),
    })
    .strict(),
  z
    .object({
      external: externalNumber,
      ringTime: ringTime.describe('Seconds this member rings (in order, round robin and evenly); absent: the group default').optional(),
      tier: z.number().int().min(1).max(9).describe('Tiers ring in order, all members of a tier at once').default(1),
    })
    .strict(),
]);

export const ringGroupSchema = z
  .object({
    name: identifier,
    number: objectNumber,
    description,
    /** all: at once; order: fixed order; roundrobin: after the last who answered; evenly: fewest answered calls first; tiers: tier by tier. */
    strategy: z
      .enum(RING_STRATEGIES)
      .describe('all: at once; order: fixed order; roundrobin: starting after the last one rung; evenly: fewest answered calls first; tiers: tier by tier')
      .default('all'),
    members: z.array(ringGroupMemberSchema).min(1, 'at least one member').max(50),
    memberRingTime: ringTime.describe('Seconds each member (or tier) rings').default(20),
    ringTime: z.number().int().min(5).max(900).describe('Seconds the whole group rings at most').default(60),
    noAnswer: destinationSchema.describe('Where the call goes when nobody answers').default({ hangup: true }),
    /** Absent: the no-answer destination. */
    busy: destinationSchema.describe('Where the call goes when every member is busy; absent: the no-answer destination').optional(),
    /** External members must press 1 to take the call, so a mobile's voicemail cannot. */
    confirmExternal: z.boolean().describe("External members press 1 to take the call, so a mobile's voicemail cannot").default(false),
    recording: recordingPolicySchema.describe('When calls to this group are recorded').default({ mode: 'never', calls: 'all', announce: false }),
  })
  .strict();

export const QUEUE_STRATEGIES = ['ringall', 'linear', 'leastrecent', 'fewestcalls', 'rrmemory', 'random'] as const;
export const queueMemberSchema = z
  .object({
    extension: extensionRef(),
    /** Lower rings first; higher only when all lower ones are busy. */
    penalty: z.number().int().min(0).max(100).describe('Lower rings first; higher only when all lower ones are busy').default(0),
  })
  .strict();

export const queueSchema = z
  .object({
    name: identifier,
    number: objectNumber,
    description,
    strategy: z.enum(QUEUE_STRATEGIES).default('ringall'),
    members: z.array(queueMemberSchema).max(200).describe('Always in the queue').default([]),
    /** May log in and out with the agent feature codes. */
    dynamicMembers: z.array(queueMemberSchema).max(200).describe('Log in and out with the agent feature codes').default([]),
    memberRingTime: z.number().int().min(5).max(120).describe('Seconds an agent rings before the next is tried').default(15),
    wrapUpTime: z.number().int().min(0).max(600).describe('Seconds an agent rests after a call').default(0),
    autoPause: z.boolean().describe('An agent who does not answer is paused').default(false),
    /** Seconds between position / wait announcements; 0: none. */
    announceFrequency: z.number().int().min(0).max(600).describe('Seconds between announcements of position and wait; 0: none').default(30),
    announcePosition: z.boolean().default(true),
    announceHoldTime: z.boolean().default(true),
    periodicAnnouncement: promptRefSchema.describe('Played to waiting callers every periodic interval').optional(),
    periodicFrequency: z.number().int().min(10).max(600).describe('Seconds between periodic announcements').default(60),
    /** Played to the agent before the call connects (e.g. the queue's name). */
    agentAnnouncement: promptRefSchema.describe("Played to the agent before the call connects (e.g. the queue's name)").optional(),
    /** Seconds a caller may wait; 0: no limit. */
    maxWait: z.number().int().min(0).max(7200).describe('Seconds a caller may wait; 0: no limit').default(0),
    /** Callers waiting at most; 0: no limit. */
    maxLength: z.number().int().min(0).max(1000).describe('Callers waiting at most; 0: no limit').default(0),
    /** Callers may wait when no agent is logged in. */
    joinEmpty: z.boolean().describe('Callers may wait when no agent is logged in').default(true),
    timeoutDestination: destinationSchema.describe('Where callers go after the maximum wait').default({ hangup: true }),
    /** Absent: the timeout destination. */
    fullDestination: destinationSchema.describe('Where callers go when the queue is full or has no agents; absent: the timeout destination').optional(),
    /** Outside its bands (or on its holidays) callers go where that time condition sends them. */
    openHours: nameRef('time-conditions').describe('Outside its bands callers go where that time condition sends them').optional(),
    /** What waiting callers hear; absent: the default class. */
    musicClass: nameRef('moh-classes').describe('Music waiting callers hear; absent: the default class').optional(),
    recording: recordingPolicySchema.describe('When calls answered from this queue are recorded').default({ mode: 'never', calls: 'all', announce: false }),
  })
  .strict();

const routeName = identifier;
export const lookupRouteSchema = z.object({ name: routeName, destination: destinationSchema }).strict();
/** A URL template: {caller}, {digits} and {did} are replaced (URL-encoded); the rest is kept as typed. */
export const urlTemplate = z
  .string()
  .max(1024, 'at most 1024 characters')
  .refine((s) => /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/|$)/.test(s), 'an http:// or https:// URL')
  .refine((s) => /^[A-Za-z0-9._~:/?@!&*+=%-]*$/.test(s.replace(/\{(?:caller|digits|did)\}/g, '')), 'only URL characters and the placeholders {caller}, {digits}, {did}')
  .refine((s) => !/@/.test(s.split('/')[2] ?? ''), 'no credentials in the URL');

/** Dynamic routing: a code (typed, or the caller's number) is looked up in a web service or a table. */
export const lookupSchema = z
  .object({
    name: identifier,
    description,
    input: z.enum(['digits', 'callerId']).describe('digits: the caller types a code; callerId: the caller number is used').default('digits'),
    prompt: promptRefSchema.describe('Asks for the code').default({ builtin: 'beep' }),
    maxDigits: z.number().int().min(1).max(20).describe('Digits of the code at most (# ends it earlier)').default(6),
    source: z.union([
      z
        .object({
          url: urlTemplate.describe('Asked with GET; answers JSON {"destination": "<route name>"}'),
          timeout: z.number().int().min(1).max(30).describe('Seconds before the fallback is used').default(3),
        })
        .strict(),
      z
        .object({
          table: z
            .array(z.object({ key: z.string().regex(/^\+?[0-9*#]{1,30}$/, 'digits, * and #, optionally starting with +'), route: routeName }).strict())
            .min(1)
            .max(100_000)
            .describe('Code (or caller number) to route name; import it as CSV'),
        })
        .strict(),
    ]),
    routes: z.array(lookupRouteSchema).min(1).max(100).describe('The names an answer may choose, and where each goes'),
    fallback: destinationSchema.describe('Where the call goes on a timeout, an error or an unknown answer'),
  })
  .strict();

/** A recorded message, then a destination (or hang up). */
export const announcementSchema = z
  .object({
    name: identifier,
    description,
    prompt: promptRefSchema,
    then: destinationSchema.describe('Where the call goes after the message').default({ hangup: true }),
  })
  .strict();

/** Direct inward system access: an outside line for callers who know the PIN, limited by a class. */
export const disaSchema = z
  .object({
    name: identifier,
    description,
    pin: pin.describe('Asked before the dial tone'),
    class: identifier.meta({ 'x-ref': 'calling-classes', description: 'What the caller may dial' }),
    callerId: externalNumber.describe('Caller number presented on calls out; absent: the trunk\'s').optional(),
  })
  .strict();

/** Callers refused (or sent elsewhere) whatever number they call. */
export const blockedCallerSchema = z
  .object({
    /** The caller's number, or a pattern of numbers. */
    number: dialPattern.describe('The caller number, or a pattern such as 0039X.'),
    description,
    /** Absent: the call is refused. */
    destination: destinationSchema.describe('Where the call goes instead; absent: refused').optional(),
  })
  .strict();

/**
 * Codes dialled from phones, and codes typed during a call (IN_CALL_CODES). Dialled codes share
 * the number space with each other and with switch codes: none may be the start of another.
 * Codes followed by a number (forwardSet*, directedPickup, intercom) take it right after the code.
 */
export const featureCodesSchema = z
  .object({
    dndOn: featureCode.describe('Do not disturb on').default('*78'),
    dndOff: featureCode.describe('Do not disturb off').default('*79'),
    dndToggle: featureCode.describe('Do not disturb on/off; the BLF key <code><extension> shows it').default('*76'),
    forwardSet: featureCode.describe('Forward every call: the code, then the number (an extension or an outside number)').default('*72'),
    forwardClear: featureCode.describe('Stop forwarding every call').default('*73'),
    voicemail: featureCode.describe("The extension's own mailbox").default('*97'),
    voicemailAny: featureCode.describe('Any mailbox (asks for its number and PIN)').default('*98'),
    groupPickup: featureCode.describe('Answer a call ringing in the pickup group').default('*8'),
    directedPickup: featureCode.describe('Answer a call ringing at an extension: the code, then its number').default('**'),
    lock: featureCode.describe('Lock the phone: only its locked class (emergency numbers always) until unlocked').default('*70'),
    unlock: featureCode.describe('Unlock the phone (asks for the PIN)').default('*71'),
    agentLogin: featureCode.describe('Log in to every queue the extension may join').default('*45'),
    agentLogout: featureCode.describe('Log out of every queue').default('*46'),
    agentPause: featureCode.describe('Pause or resume in every queue').default('*47'),
    echoTest: featureCode.describe('Hear yourself back (audio path check)').default('*43'),
    callback: featureCode.describe('After a busy extension: be called back when it becomes free').default('*40'),
    callbackCancel: featureCode.describe('Cancel the call back').default('*41'),
    intercom: featureCode.describe('Talk at once through an extension\'s speaker: the code, then its number').default('*5'),
    callReturn: featureCode.describe('Call the last caller back').default('*69'),
    inCallRecord: inCallCode.describe('During a call: start/stop recording (on-demand policies)').default('*1'),
    blindTransfer: inCallCode.describe('During a call: blind transfer, then the number').default('##'),
    attendedTransfer: inCallCode.describe('During a call: attended transfer, then the number').default('*2'),
  })
  .strict();

/** Feature codes typed during a call; they do not share the dialled-number space. */
export const IN_CALL_CODES = ['inCallRecord', 'blindTransfer', 'attendedTransfer'] as const;
/** Feature codes followed by a number. */
export const PREFIX_CODES = ['forwardSet', 'directedPickup', 'intercom'] as const;

/** A shared mailbox (a team, a group): its own number and PIN; its members' phones show its messages. */
export const voicemailBoxSchema = z
  .object({
    number: extensionNumber.describe('Mailbox number; dialled, it takes a message (part of the number plan)'),
    name: displayText(64),
    pin: pin.describe('Asked to listen to the messages'),
    email: z.email('a valid e-mail address').max(254).describe('Where messages are e-mailed').optional(),
    /** Their phones show the box's waiting messages (MWI). */
    members: z.array(extensionRef()).max(100).describe("Their phones' message lights show this box").default([]),
    ...vmLimits,
  })
  .strict();

/** A ConfBridge room. */
export const conferenceSchema = z
  .object({
    name: identifier,
    number: extensionNumber.describe('Internal number of the room (part of the number plan)'),
    description,
    pin: pin.describe('Asked of participants; absent: no PIN').optional(),
    adminPin: pin.describe('Joins as moderator (may mute and kick, and lock the room from the phone)').optional(),
    /** Joins as moderator without a PIN, and may manage the room in the GUI. */
    owner: extensionRef().describe('Joins as moderator without a PIN').optional(),
    maxMembers: z.number().int().min(2).max(200).describe('Participants at most').default(20),
    musicWhenAlone: z.boolean().describe('The first participant hears music until someone joins').default(true),
    musicClass: nameRef('moh-classes').describe('Music when alone; absent: the default class').optional(),
    /** Participants record their name, announced when they join and leave. */
    announceJoinLeave: z.boolean().describe('Participants say their name, announced when they join and leave').default(false),
    language: language.describe("Prompts in this language; absent: the caller's").optional(),
  })
  .strict();

/** Music on hold: a class is a folder of uploaded files played in turn. */
export const mohClassSchema = z
  .object({
    name: identifier.refine((n) => n !== 'default', 'default is the built-in class'),
    description,
    random: z.boolean().describe('Play the files in random order').default(false),
  })
  .strict();

/** Paging: a number that makes the members' phones answer by themselves (speaker) to hear an announcement. */
export const pagingGroupSchema = z
  .object({
    name: identifier,
    number: extensionNumber.describe('Dialled to page the group (part of the number plan)'),
    description,
    members: z.array(extensionRef()).min(1, 'at least one member').max(100),
    /** Members can answer back (intercom); otherwise they only listen. */
    duplex: z.boolean().describe('Members can talk back; otherwise they only listen').default(false),
  })
  .strict();

/** The SMTP relay the box sends mail through (voicemail, reports). Absent host: no mail. */
export const mailSchema = z
  .object({
    host: hostName.describe('SMTP relay; absent: the box sends no mail').optional(),
    port: port.default(587),
    /** starttls: upgrade on 587/25; tls: TLS from the start (465); none: plain (loopback relays only). */
    security: z.enum(['starttls', 'tls', 'none']).describe('starttls: upgrade (587/25); tls: TLS from the start (465); none: plain').default('starttls'),
    username: z.string().min(1).max(254).regex(/^[!-~]+$/, 'printable ASCII without spaces').optional(),
    password: z.string().min(1).max(254).regex(/^[ -~]+$/, 'printable ASCII').optional(),
    from: z.email('a valid e-mail address').max(254).describe('Sender address of the mail the box sends').default('pbx@pbx.invalid'),
    fromName: displayText(64).describe('Sender name').default('PBX'),
  })
  .strict()
  .refine((m) => (m.username === undefined) === (m.password === undefined), { message: 'username and password go together', path: ['password'] });

/** Call parking (res_parking): transfer a call to the park number, hear the slot, pick it up from any phone. */
export const parkingSchema = z
  .object({
    /** Off until turned on: its numbers join the number plan, where an existing box may already use them. */
    enabled: z.boolean().describe('Turn parking on (its numbers join the number plan)').default(false),
    number: extensionNumber.describe('Transfer a call here to park it (part of the number plan)').default('700'),
    firstSlot: extensionNumber.describe('First slot; slots follow it (part of the number plan)').default('701'),
    slots: z.number().int().min(1).max(100).default(10),
    /** Seconds before an unanswered parked call rings the parker again. */
    timeout: z.number().int().min(10).max(3600).describe('Seconds before a parked call returns to whoever parked it').default(60),
    musicClass: nameRef('moh-classes').describe('Music parked callers hear; absent: the default class').optional(),
  })
  .strict()
  .refine((p) => /^[0-9]+$/.test(p.firstSlot) && String(Number(p.firstSlot) + p.slots - 1).length === p.firstSlot.length, {
    message: 'the slots must keep the first slot\'s number of digits',
    path: ['slots'],
  });

/** Where finished recordings are kept. */
export const recordingStorageSchema = z
  .object({
    /** An absolute directory (internal disk, a USB disk or a NAS mount point); absent: the data directory. */
    path: z
      .string()
      .max(255)
      .regex(/^\/(?:[A-Za-z0-9._-]+\/?)*$/, 'an absolute path of letters, digits, . _ -')
      .refine((p) => !p.split('/').includes('..'), 'no .. in the path')
      .describe('Absolute directory (internal disk, USB disk or NAS mount point); absent: inside the data directory')
      .optional(),
    announcement: promptRefSchema.describe('Played to the parties when recording starts (policies with announce)').default({ builtin: 'beep' }),
  })
  .strict();

/** Settings of the user services (singletons). */
export const servicesSchema = z
  .object({
    parking: parkingSchema.default(parkingSchema.parse({})),
    recording: recordingStorageSchema.default(recordingStorageSchema.parse({})),
  })
  .strict();

// --- Phones (issue 7: provisioning) ------------------------------------------------------------

/** A MAC address in any usual notation, stored as 12 lowercase hex digits. */
export const macAddress = z
  .string()
  .trim()
  .refine((s) => normalizeMac(s) !== undefined, 'a MAC address such as 00:15:65:aa:bb:cc (not all zeros, broadcast or multicast)')
  .transform((s) => normalizeMac(s)!)
  .meta({ description: 'MAC address (any notation: 00:15:65:AA:BB:CC, 00-15-65-aa-bb-cc, 001565aabbcc)' });

/** Model names as vendors write them: T46S, D715, GXP2170, VVX450, N870, SPA504G, CP-7841-3PCC, X4U. */
export const phoneModel = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/, 'letters, digits, . _ + -, at most 32 (such as T46S or GXP2170)');

/** Secrets written into phone files: printable ASCII without characters any vendor format treats specially. */
const phoneSecret = sipSecret;

/** A placeholder name templates can use as {{vars.<name>}}. */
const varName = z.string().regex(/^[a-z][A-Za-z0-9_]{0,31}$/, 'a letter, then letters, digits and _, at most 32');
const varValue = z
  .string()
  .max(256, 'at most 256 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must be one line without control characters');
export const templateVarsSchema = z.record(varName, varValue).refine((r) => Object.keys(r).length <= 50, 'at most 50 placeholders');

/** A SIP account of an extension (one of its devices) on a phone's line. */
export const phoneLineSchema = z
  .object({
    account: sipUsername.meta({ 'x-ref': 'devices', description: "A device (SIP account) of an extension; the phone registers with its credentials" }),
    /** Text on the line key; absent: the extension's number. */
    label: displayText(32).describe("Text on the line key; absent: the extension's number").optional(),
  })
  .strict();

const keyLabel = displayText(32).describe('Text next to the key; absent: a sensible default (the name of what it watches)').optional();
/** The account (1-based line) a key uses; absent: the first line. */
const keyLine = z.number().int().min(1).max(16).describe('The line (1-based) the key subscribes and dials with; absent: the first').optional();
/** A programmable key. Keys are numbered in the order of the list (key 1 first). */
export const phoneKeySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('line'), line: z.number().int().min(1).max(16).describe('The line (1-based) this key shows'), label: keyLabel }).strict(),
  z.object({ type: z.literal('blf'), extension: extensionNumber.meta({ 'x-ref': 'extensions', description: 'The extension whose state the key shows; pressed: calls it, or picks up its ringing call' }), label: keyLabel, line: keyLine }).strict(),
  z.object({ type: z.literal('park'), slot: extensionNumber.describe('A park slot: the key lights while a call is parked there; pressed: picks it up'), label: keyLabel, line: keyLine }).strict(),
  z.object({ type: z.literal('switch'), switch: identifier.meta({ 'x-ref': 'switches', description: 'The switch whose state the key shows; pressed: dials its code' }), label: keyLabel, line: keyLine }).strict(),
  z.object({ type: z.literal('dnd'), label: keyLabel, line: keyLine }).strict().describe("Do not disturb of the line's extension: lit while on, pressed: toggles"),
  z.object({ type: z.literal('speedDial'), number: externalNumber, label: displayText(32), line: keyLine }).strict(),
]);

/** A desk phone or DECT base the box provisions, found by its MAC address. */
export const phoneSchema = z
  .object({
    mac: macAddress,
    vendor: z.enum(VENDORS),
    /** Unknown models of a known vendor get that vendor's generic files. */
    model: phoneModel.describe("The vendor's model name; an unknown model gets the vendor's generic template"),
    description,
    lines: z.array(phoneLineSchema).min(1, 'at least one line').max(16),
    /** Programmable keys in order; empty: one line key per line. */
    keys: z.array(phoneKeySchema).max(120).describe('Programmable keys in order (key 1 first); empty: one line key per line').default([]),
    /** Absent: the first line's extension's language, else the system's. */
    language: language.describe("Language of the phone's menus; absent: the first line's extension's, else the system's").optional(),
    /** Absent: the system's time zone. */
    timezone: z
      .string()
      .regex(/^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){0,2}$/, 'a time zone such as Europe/Rome')
      .describe("Time zone; absent: the system's")
      .optional(),
    /** Password of the phone's own web page and admin menu (user admin); generated when absent at creation. */
    adminPassword: phoneSecret.describe("Password of the phone's web page and admin menu (user admin); generated when a phone is created without one"),
    /** The phone must send these (HTTP basic authentication) to fetch its files; absent: no authentication. */
    httpAuth: z
      .object({
        username: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'letters, digits, . _ -, at most 32'),
        password: phoneSecret,
      })
      .strict()
      .describe('HTTP basic authentication the phone must send to fetch its files (written into the phone so later fetches authenticate); absent: none')
      .optional(),
    /** An admin template (phone-templates) instead of the one chosen by vendor and model. */
    template: identifier.meta({ 'x-ref': 'phone-templates', description: 'A template of phone-templates instead of the one chosen by vendor and model' }).optional(),
    /** Values of custom placeholders ({{vars.name}} in templates); they override the template's. */
    vars: templateVarsSchema.describe("Custom placeholders ({{vars.name}} in templates); override the template's").default({}),
  })
  .strict();

/** An admin's template: replaces built-in files of a vendor's models, or adds a model. */
export const phoneTemplateSchema = z
  .object({
    name: identifier,
    description,
    vendor: z.enum(VENDORS),
    /** Models it applies to (a model not built in is added); empty: every model of the vendor without a more specific template. */
    models: z.array(phoneModel).max(50).describe('Models it applies to (a model not built in is added); empty: every model of the vendor').default([]),
    /** Files replaced, by the vendor's file id (see GET /provisioning/vendors); the others stay built in. */
    files: z
      .array(
        z
          .object({
            file: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "a file id of the vendor (such as device)"),
            /** Mustache text; {{vars.name}} are the custom placeholders. */
            template: z.string().min(1).max(65536, 'at most 64 KiB').describe('Mustache template text (see docs/provisioning.md for the placeholders)'),
          })
          .strict(),
      )
      .max(10)
      .describe('Files replaced, by file id; the others stay built in')
      .default([]),
    vars: templateVarsSchema.describe('Default values of custom placeholders ({{vars.name}})').default({}),
    /** Firmware the phones of these models are told to load (absent: they keep theirs). */
    firmwareUrl: z
      .string()
      .max(512)
      .refine((s) => {
        try {
          const u = new URL(s);
          return ['http:', 'https:', 'tftp:'].includes(u.protocol) && !/[\s"'<>]/.test(s);
        } catch {
          return false;
        }
      }, 'an http://, https:// or tftp:// URL')
      .describe('Firmware the phones are told to load; absent: they keep theirs')
      .optional(),
  })
  .strict();

/** How the box provisions phones (a singleton). */
export const provisioningSettingsSchema = z
  .object({
    /** Address written into phones for SIP, provisioning and the directory; absent: the address each phone reached the box at. */
    address: hostName.describe('Address the phones use to reach the box (SIP, files, directory); absent: the address each phone reached it at').optional(),
    /** Transport the phones register with. */
    transport: z.enum(['udp', 'tcp']).describe('Transport the phones register with').default('udp'),
    /** Phones fetch their files again this often (minutes); 0: only at boot and when told to (resync). */
    resyncMinutes: z.number().int().min(0).max(10080).describe('Phones fetch their files again this often (minutes); 0: only at boot and on resync').default(1440),
    /** The phones search the box's LDAP directory. */
    ldap: z.boolean().describe("Phones search the box's LDAP directory").default(true),
    /** The phones load the company phonebook as the vendor's XML directory, where the vendor has one. */
    xmlPhonebook: z.boolean().describe("Phones load the company phonebook in the vendor's XML format, where it has one").default(true),
  })
  .strict();

/** The LDAP phonebook the box serves (src/directory/): tree `ou=phonebook,dc=pbx`, docs/directory.md. */
export const directorySchema = z
  .object({
    enabled: z.boolean().describe('Serve the phonebook over LDAP (389 on the box)').default(true),
    /** Searches without a bind. Off: every search needs a phone's account or the phonebook user. */
    anonymous: z.boolean().describe('Allow searches without a bind (off: phones bind with their SIP account)').default(false),
    /** The phonebook user for clients other than the box's phones: binds as cn=<bindName>,ou=users,dc=pbx. */
    bindName: identifier.describe('Name of the phonebook user (binds as cn=<name>,ou=users,dc=pbx)').default('phonebook'),
    /** Its password; absent: no phonebook user, only phones bind. */
    bindPassword: sipSecret.describe('Password of the phonebook user; absent: only phones bind').optional(),
    /** Extensions are published next to the shared contacts. */
    publishExtensions: z.boolean().describe('Publish the extensions next to the shared contacts').default(true),
    /** Extensions left out (fax lines, service numbers). */
    hiddenExtensions: z.array(extensionRef()).max(10_000).describe('Extensions not published').default([]),
    /** Prepended to the outside numbers of shared contacts, as the phones must dial them (e.g. 0). */
    outsidePrefix: z.string().regex(/^[0-9*#]{0,4}$/, 'up to 4 digits, * or #').describe('Prepended to outside numbers, as phones must dial them (e.g. 0)').default(''),
    /** Most entries one search answers (phones ask for fewer). */
    sizeLimit: z.number().int().min(1).max(10_000).describe('Most entries one search answers').default(200),
  })
  .strict();

const snmpSecret = z.string().min(8, 'at least 8 characters').max(64).regex(/^[!-~]+$/, 'printable ASCII without spaces');
const community = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'letters, digits, . _ -, at most 32');

/** The SNMP agent (src/snmp/): off by default; MIB in rootfs/usr/share/snmp/mibs, docs/snmp.md. */
export const snmpSchema = z
  .object({
    enabled: z.boolean().describe('Run the SNMP agent (161/udp on the box)').default(false),
    /** Address the agent listens on. */
    bindAddress: z.union([z.ipv4(), z.ipv6()]).describe('Address the agent listens on').default('0.0.0.0'),
    sysName: displayText(64).describe('sysName; absent: the host name').optional(),
    sysLocation: displayText(128).describe('sysLocation').optional(),
    sysContact: displayText(128).describe('sysContact').optional(),
    /** v2c read-only communities, each answered only from its sources. */
    communities: z
      .array(z.object({ name: community, sources: z.array(cidr).min(1, 'at least one source network').max(20) }).strict())
      .max(10)
      .describe('v2c read-only communities, each answered only from its source networks')
      .default([]),
    /** v3 users, authPriv only: SHA-256 authentication, AES-128 privacy. */
    v3Users: z
      .array(z.object({ name: community, authKey: snmpSecret, privKey: snmpSecret }).strict())
      .max(10)
      .describe('v3 users (authPriv: SHA-256 and AES); keys never answered')
      .default([]),
    /** v2c traps go to these receivers. */
    trapReceivers: z
      .array(z.object({ host: hostName, port: port.default(162), community }).strict())
      .max(10)
      .describe('Receivers of v2c traps (Asterisk, trunks, disk, HA)')
      .default([]),
    /** A disk fuller than this raises the disk trap. */
    diskFullPercent: z.number().int().min(50).max(99).describe('Disk use (%) that raises the disk-full trap').default(90),
  })
  .strict();

/** Retention (days; 0 keeps forever) of each kind of call data; a legal hold on a call stops its deletion. */
export const retentionSchema = z
  .object({
    cdrDays: z.number().int().min(0).max(3650).describe('CDR rows older than this are deleted; 0 keeps them').default(0),
    recordingDays: z.number().int().min(0).max(3650).describe('Recordings older than this are deleted; 0 keeps them').default(0),
    voicemailDays: z.number().int().min(0).max(3650).describe('Voicemail messages older than this are deleted (besides each mailbox’s own limit); 0 keeps them').default(0),
  })
  .strict();

/** A CDR report mailed on a schedule (numbers masked as the admin sees them). */
export const cdrReportSchema = z
  .object({
    name: identifier,
    enabled: z.boolean().default(true),
    schedule: z.enum(['daily', 'weekly', 'monthly']).describe('daily: yesterday, at 01:00; weekly: last Monday–Sunday, Mondays; monthly: last month, on the 1st'),
    format: z.enum(['csv', 'xlsx']).default('csv'),
    recipients: z.array(z.email('a valid e-mail address').max(254)).min(1, 'at least one recipient').max(20),
    direction: z.enum(['in', 'out', 'internal']).optional(),
    extension: extensionRef().optional(),
    trunk: nameRef('trunks').optional(),
    queue: nameRef('queues').optional(),
  })
  .strict();

/** CDR and privacy settings (a singleton): retention and scheduled reports. The privacy key is not here: the privacy admin's, kept apart. */
export const cdrSettingsSchema = z
  .object({
    retention: retentionSchema.default(retentionSchema.parse({})),
    reports: z.array(cdrReportSchema).max(50).default([]),
  })
  .strict();

/**
 * The call-handling lists: stored as JSON rows of one table, diffed by their key for the audit
 * log. [list, key field, object type as the audit log and the API's collections name it].
 */
export const CALL_HANDLING_LISTS = [
  ['prompts', 'name', 'prompt'],
  ['timeConditions', 'name', 'time condition'],
  ['switches', 'name', 'switch'],
  ['ivrs', 'name', 'IVR'],
  ['ringGroups', 'name', 'ring group'],
  ['queues', 'name', 'queue'],
  ['lookups', 'name', 'lookup'],
  ['announcements', 'name', 'announcement'],
  ['disa', 'name', 'DISA'],
  ['blockedCallers', 'number', 'blocked caller'],
  ['voicemailBoxes', 'number', 'voicemail box'],
  ['conferences', 'name', 'conference'],
  ['mohClasses', 'name', 'music class'],
  ['pagingGroups', 'name', 'paging group'],
  ['phones', 'mac', 'phone'],
  ['phoneTemplates', 'name', 'phone template'],
] as const;

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
    prompts: z.array(promptSchema).default([]),
    timeConditions: z.array(timeConditionSchema).default([]),
    switches: z.array(switchSchema).default([]),
    ivrs: z.array(ivrSchema).default([]),
    ringGroups: z.array(ringGroupSchema).default([]),
    queues: z.array(queueSchema).default([]),
    lookups: z.array(lookupSchema).default([]),
    announcements: z.array(announcementSchema).default([]),
    disa: z.array(disaSchema).default([]),
    blockedCallers: z.array(blockedCallerSchema).default([]),
    featureCodes: featureCodesSchema.default(featureCodesSchema.parse({})),
    voicemailBoxes: z.array(voicemailBoxSchema).default([]),
    conferences: z.array(conferenceSchema).default([]),
    mohClasses: z.array(mohClassSchema).default([]),
    pagingGroups: z.array(pagingGroupSchema).default([]),
    mail: mailSchema.default(mailSchema.parse({})),
    services: servicesSchema.default(servicesSchema.parse({})),
    phones: z.array(phoneSchema).max(10_000).default([]),
    phoneTemplates: z.array(phoneTemplateSchema).max(200).default([]),
    provisioning: provisioningSettingsSchema.default(provisioningSettingsSchema.parse({})),
    directory: directorySchema.default(directorySchema.parse({})),
    snmp: snmpSchema.default(snmpSchema.parse({})),
    cdr: cdrSettingsSchema.default(cdrSettingsSchema.parse({})),
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
export type PromptRef = z.infer<typeof promptRefSchema>;
export type Prompt = z.infer<typeof promptSchema>;
export type TimeBand = z.infer<typeof timeBandSchema>;
export type Holiday = z.infer<typeof holidaySchema>;
export type TimeCondition = z.infer<typeof timeConditionSchema>;
export type Switch = z.infer<typeof switchSchema>;
export type Ivr = z.infer<typeof ivrSchema>;
export type RingGroup = z.infer<typeof ringGroupSchema>;
export type RingGroupMember = z.infer<typeof ringGroupMemberSchema>;
export type Queue = z.infer<typeof queueSchema>;
export type Lookup = z.infer<typeof lookupSchema>;
export type Announcement = z.infer<typeof announcementSchema>;
export type Disa = z.infer<typeof disaSchema>;
export type BlockedCaller = z.infer<typeof blockedCallerSchema>;
export type FeatureCodes = z.infer<typeof featureCodesSchema>;
export type RecordingPolicy = z.infer<typeof recordingPolicySchema>;
export type ExtensionVoicemail = z.infer<typeof extensionVoicemailSchema>;
export type Mobile = z.infer<typeof mobileSchema>;
export type VoicemailBox = z.infer<typeof voicemailBoxSchema>;
export type Conference = z.infer<typeof conferenceSchema>;
export type MohClass = z.infer<typeof mohClassSchema>;
export type PagingGroup = z.infer<typeof pagingGroupSchema>;
export type MailSettings = z.infer<typeof mailSchema>;
export type Parking = z.infer<typeof parkingSchema>;
export type Services = z.infer<typeof servicesSchema>;
export type PhoneLine = z.infer<typeof phoneLineSchema>;
export type PhoneKey = z.infer<typeof phoneKeySchema>;
export type Phone = z.infer<typeof phoneSchema>;
export type PhoneTemplate = z.infer<typeof phoneTemplateSchema>;
export type ProvisioningSettings = z.infer<typeof provisioningSettingsSchema>;
export type DirectorySettings = z.infer<typeof directorySchema>;
export type SnmpSettings = z.infer<typeof snmpSchema>;
export type CdrSettings = z.infer<typeof cdrSettingsSchema>;
export type CdrReport = z.infer<typeof cdrReportSchema>;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];
/** The whole configuration: what the store snapshots, the renderer reads and pbxctl exports. */
export type PbxConfig = z.infer<typeof pbxConfigSchema>;
export type PbxConfigInput = z.input<typeof pbxConfigSchema>;

export function emptyConfig(): PbxConfig {
  return pbxConfigSchema.parse({});
}
