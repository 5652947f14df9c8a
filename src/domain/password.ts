// Strength rules for secrets people choose: admin passwords, SIP secrets (devices, AMI users)
// and voicemail PINs. Pure except generateSecret, which draws from node:crypto (randomness,
// no I/O). Every reason is a sentence fragment meant for the person typing the secret.
import { randomInt } from 'node:crypto';
import { sipSecret } from './model.ts';

export type SecretKind = 'admin' | 'sip' | 'pin';

export interface PasswordOptions {
  kind: SecretKind;
  /** The login it belongs to (user name, device username, extension number for a PIN). */
  username?: string;
}

export const MIN_LENGTH = { admin: 12, sip: 10, pin: 4 } as const;
export const MAX_PIN_LENGTH = 12;
/** Long enough that the mix of character classes is not required for admin passwords. */
export const PASSPHRASE_LENGTH = 20;

// The most common passwords of public breach lists, PBX/VoIP defaults and Italian favourites.
// Stored as typed; compared after the same normalisation as the candidate (see baseForms).
const COMMON = `
123456 123456789 12345678 12345 1234567 1234567890 123123 111111 000000 654321 666666 121212 112233
123321 159753 555555 777777 7777777 888888 999999 11111111 987654321 147258369 1q2w3e4r 1q2w3e4r5t
1qaz2wsx qazwsx qwerty qwerty123 qwertyuiop qwertz asdfgh asdfghjkl zxcvbn zxcvbnm 1qazxsw2 zaq12wsx
abc123 abcd1234 a1b2c3 a1b2c3d4 aa123456 q1w2e3r4 qweasd qweasdzxc 123qwe 123abc password passw0rd p@ssw0rd
password1 pass passwd pass123 passpass password123 pw123 secret secret1 topsecret mysecret supersecret
letmein welcome welcome1 hello hello123 iloveyou loveyou love trustno1 whatever nothing master
monkey dragon baseball football soccer hockey basketball superman batman spiderman starwars pokemon
shadow sunshine princess flower charlie michael jennifer jordan hunter buster harley thomas robert
daniel andrew joshua matthew ashley jessica michelle nicole amanda maggie ginger pepper tigger
cheese summer winter autumn spring freedom killer access mustang ranger thunder matrix computer
internet samsung google apple microsoft windows linux ubuntu debian oracle mysql server
lovely angel angels babygirl beautiful blessed cookie chocolate butterfly family friends forever
hottie jesus justin liverpool chelsea arsenal barcelona madrid juventus milan inter napoli roma
lazio forzamilan forzainter forzanapoli forzajuve ciao ciao123 amore amoremio tesoro principessa
francesca alessandro alessia andrea antonio giuseppe giovanni giorgia martina federica valentina
lorenzo matteo marco luca simone stefano roberto paolo francesco chiara sara elena laura
ferrari vespa pizza italia italy europa
admin admin1 admin123 administrator administrador root toor system sysadmin superuser supervisor
manager operator guest user user1 test test1 test123 testing demo default changeme change changeit
setup install public private temp temporary login logon passcode master123 qwerty1
asterisk asterisk1 asterisk123 freepbx freeswitch elastix trixbox issabel vitalpbx fusionpbx 3cx
yeastar grandstream polycom yealink snom cisco linksys sipura gigaset panasonic avaya mitel
fanvil fritzbox fritz alcatel siemens aastra digium sangoma xorcom
amp111 amp109 ampmgr ampuser mypassword mypass sippass sipsecret sippassword sip voip voip123
pbx pbx123 ippbx telephone phone telefono telefonino centralino interno voicemail vmail
extension ext welcome123 operator1 reception reception1 receptionist office office123 company
support helpdesk service services callcenter customer sales billing account accounts
asdf asdf1234 zxcv qaz123 wsx123 aaaaaa aaaaaaaa abcdef abcdefg abcdefgh abcdefghij zzzzzz
iloveyou1 letmein1 monkey1 dragon1 password12 password1234 welcome2024 summer2024 winter2024
`.trim().split(/\s+/);

const LEET: Record<string, string> = { '@': 'a', '4': 'a', '3': 'e', '0': 'o', '$': 's', '5': 's', '7': 't', '!': 'i', '1': 'i', '|': 'i', '8': 'b', '9': 'g' };

/** The forms a secret is looked up under: as typed, without leading/trailing digits and symbols, and de-leeted. */
function baseForms(secret: string): string[] {
  const lower = secret.toLowerCase();
  const stripped = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const forms = new Set([lower]);
  if (stripped.length >= 3) {
    forms.add(stripped);
    const deleet = (one: string) => [...stripped].map((c) => (c === '1' ? one : (LEET[c] ?? c))).join('');
    forms.add(deleet('i'));
    forms.add(deleet('l'));
  }
  return [...forms];
}

const COMMON_SET = new Set(COMMON.flatMap(baseForms));

// Walks typed along a keyboard row, the alphabet, the digits or the phone keypad. A window of
// three characters found in one of these (either direction) counts as a sequence.
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'qwertzuiop',
  'yxcvbnm',
  'azertyuiop',
  'qsdfghjklm',
  'wxcvbn',
  '!@#$%^&*()',
  // phone keypad: rows, columns, diagonals
  '123', '456', '789', '147', '2580', '369', '159', '357',
];
const SEQUENCE_WINDOWS = new Set(
  SEQUENCES.flatMap((s) => [s, [...s].reverse().join('')]).flatMap((s) => [...s].slice(0, -2).map((_, i) => s.slice(i, i + 3))),
);

/** How many characters sit in a sequence or a run of one repeated character (each at least 3 long). */
function predictableCount(lower: string): number {
  const covered = new Array<boolean>(lower.length).fill(false);
  for (let i = 0; i + 3 <= lower.length; i++) {
    const w = lower.slice(i, i + 3);
    if (SEQUENCE_WINDOWS.has(w) || (w[0] === w[1] && w[1] === w[2])) covered[i] = covered[i + 1] = covered[i + 2] = true;
  }
  return covered.filter(Boolean).length;
}

/** True when the text is one shorter block typed over and over (abcabc, PassPass, 1212). */
function isRepeatedBlock(lower: string): boolean {
  for (let p = 1; p <= lower.length / 2; p++) {
    if (lower.length % p === 0 && lower.slice(0, p).repeat(lower.length / p) === lower) return true;
  }
  return false;
}

function characterClasses(secret: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(secret)).length;
}

function usernameProblems(secret: string, username: string | undefined, what: string): string[] {
  if (!username) return [];
  const s = secret.toLowerCase();
  const u = username.toLowerCase();
  if (s === u || s === [...u].reverse().join('')) return [`must not be the ${what}`];
  if (u.length >= 3 && s.includes(u)) return [`must not contain the ${what}`];
  return [];
}

const SEQUENCE_REASON = 'is mostly a keyboard, alphabet or digit sequence or a repeated character (like abcdef, qwerty, 123456, aaaaaa)';
const PIN_SEQUENCE_REASON = 'is mostly a digit sequence, keypad pattern or repeated digit (like 1234, 2580, 1111)';

// Years people use as PINs (births, weddings).
const isYear = (pin: string) => pin.length === 4 && Number(pin) >= 1940 && Number(pin) <= 2039;
const COMMON_PINS = new Set(['1004', '6969', '1122', '1313', '1123', '5683', '0007', '1470', '1478', '3690', '7410', '9630', '8520', '147258', '258369', '159753', '951357', '112233', '121212', '131313', '696969', '101010', '102030', '142536', '7777777', '88888888']);

function pinProblems(pin: string, username: string | undefined): string[] {
  if (!/^[0-9]+$/.test(pin) || pin.length < MIN_LENGTH.pin || pin.length > MAX_PIN_LENGTH) {
    return [`must be ${MIN_LENGTH.pin} to ${MAX_PIN_LENGTH} digits`];
  }
  const problems = usernameProblems(pin, username, 'extension number');
  if (predictableCount(pin) * 2 > pin.length) problems.push(PIN_SEQUENCE_REASON);
  else if (isRepeatedBlock(pin)) problems.push('repeats a short group of digits (like 1212)');
  if (problems.length === 0 && (COMMON_PINS.has(pin) || isYear(pin))) problems.push('is a common PIN');
  return problems;
}

/**
 * Why a secret is too weak for its kind; empty when it is acceptable. SIP secrets are also
 * checked against the characters Asterisk files can hold (the sipSecret schema).
 */
export function passwordProblems(secret: string, opts: PasswordOptions): string[] {
  if (opts.kind === 'pin') return pinProblems(secret, opts.username);
  const problems: string[] = [];
  const min = MIN_LENGTH[opts.kind];
  if (secret.length < min) problems.push(`at least ${min} characters`);
  if (opts.kind === 'sip') {
    const parsed = sipSecret.safeParse(secret);
    // The schema's own minimum is lower than ours; its other rules (charset, maximum) stand.
    if (!parsed.success) problems.push(...parsed.error.issues.filter((i) => i.code !== 'too_small').map((i) => i.message));
  }
  problems.push(...usernameProblems(secret, opts.username, 'user name'));
  const lower = secret.toLowerCase();
  if (lower.length === 0) return problems;
  if (baseForms(secret).some((f) => COMMON_SET.has(f))) problems.push('is a common password (also with digits or symbols added)');
  else if (predictableCount(lower) * 2 > lower.length) problems.push(SEQUENCE_REASON);
  else if (isRepeatedBlock(lower)) problems.push('repeats a short pattern (like abcabc)');
  else if (new Set(lower).size < 5) problems.push('uses too few different characters');
  if (opts.kind === 'admin' && secret.length < PASSPHRASE_LENGTH && characterClasses(secret) < 3) {
    problems.push(`must mix at least 3 of lowercase letters, uppercase letters, digits and symbols (or be at least ${PASSPHRASE_LENGTH} characters long)`);
  }
  return problems;
}

// Allowed by sipSecret, without look-alikes (0 O o 1 l I |) and without characters that need
// escaping in provisioning XML, URLs or shells (& < > ' ` $ % ...), so a person can copy a
// secret into a phone's web page or keypad without surprises.
const SECRET_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_+=!@*';
const GENERATED_LENGTH = { admin: 20, sip: 20, pin: 6 } as const;

/** A random secret of this kind that passes passwordProblems (for `username` too, when given). */
export function generateSecret(kind: SecretKind, opts: { username?: string } = {}): string {
  const alphabet = kind === 'pin' ? '0123456789' : SECRET_ALPHABET;
  for (;;) {
    let s = '';
    for (let i = 0; i < GENERATED_LENGTH[kind]; i++) s += alphabet[randomInt(alphabet.length)];
    if (passwordProblems(s, { kind, ...(opts.username !== undefined ? { username: opts.username } : {}) }).length === 0) return s;
  }
}
