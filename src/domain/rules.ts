// Consistency rules of the whole model that a per-object schema cannot see: one number plan,
// unique names, references that must exist. Pure: they read a parsed config and return errors.
import { isExactNumber, pbxConfigSchema, type PbxConfig } from './model.ts';
import { ValidationError, type FieldError, type FieldPath } from './errors.ts';
import { passwordProblems } from './password.ts';

function duplicates<T>(items: readonly T[], key: (t: T) => string, path: (i: number) => FieldPath, what: string): FieldError[] {
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else errors.push({ path: path(i), message: `${what} "${k}" is already used (entry ${first + 1})`, conflict: true });
  });
  return errors;
}

/** `previous`: the stored configuration, when checking a change to it (secrets kept as they were are not judged again). */
export function checkConsistency(config: PbxConfig, previous?: PbxConfig): FieldError[] {
  const errors: FieldError[] = [];
  const { extensions, trunks, inboundRoutes, outbound } = config;

  // One number plan: extensions and emergency numbers share the dialled-number space.
  const numberOwner = new Map<string, string>();
  outbound.emergency.forEach((n) => numberOwner.set(n, `emergency number ${n}`));
  extensions.forEach((ext, i) => {
    const owner = numberOwner.get(ext.number);
    if (owner) errors.push({ path: ['extensions', i, 'number'], message: `number ${ext.number} is already used by ${owner}`, conflict: true });
    else numberOwner.set(ext.number, `extension ${ext.number}`);
  });
  errors.push(...duplicates(outbound.emergency, (n) => n, (i) => ['outbound', 'emergency', i], 'emergency number'));

  // SIP endpoint ids: device usernames are global (trunks are prefixed and cannot collide).
  const devices = extensions.flatMap((ext, i) => ext.devices.map((d, j) => ({ d, path: ['extensions', i, 'devices', j, 'username'] as FieldPath })));
  const byUser = new Map<string, FieldPath>();
  for (const { d, path } of devices) {
    if (byUser.has(d.username)) errors.push({ path, message: `device username "${d.username}" is already used`, conflict: true });
    else byUser.set(d.username, path);
  }

  errors.push(...duplicates(trunks, (t) => t.name, (i) => ['trunks', i, 'name'], 'trunk name'));
  errors.push(...duplicates(outbound.rules, (r) => r.name, (i) => ['outbound', 'rules', i, 'name'], 'rule name'));
  errors.push(...duplicates(outbound.classes, (c) => c.name, (i) => ['outbound', 'classes', i, 'name'], 'class name'));
  errors.push(...duplicates(inboundRoutes, (r) => r.did, (i) => ['inboundRoutes', i, 'did'], 'DID'));
  errors.push(...duplicates(config.amiUsers, (u) => u.username, (i) => ['amiUsers', i, 'username'], 'AMI user name'));
  errors.push(...duplicates(config.webhooks, (w) => w.name, (i) => ['webhooks', i, 'name'], 'webhook name'));
  errors.push(...duplicates(config.phonebook, (c) => c.id, (i) => ['phonebook', i, 'id'], 'contact id'));

  const extNumbers = new Set(extensions.map((e) => e.number));
  const trunkNames = new Set(trunks.map((t) => t.name));
  const ruleNames = new Set(outbound.rules.map((r) => r.name));
  const classNames = new Set(outbound.classes.map((c) => c.name));

  extensions.forEach((ext, i) => {
    if (ext.class !== undefined && !classNames.has(ext.class))
      errors.push({ path: ['extensions', i, 'class'], message: `calling class "${ext.class}" does not exist` });
    for (const kind of ['always', 'busy', 'noAnswer', 'unreachable'] as const) {
      const target = ext.forward[kind];
      if (!target || !('extension' in target)) continue;
      if (!extNumbers.has(target.extension))
        errors.push({ path: ['extensions', i, 'forward', kind, 'extension'], message: `extension ${target.extension} does not exist` });
      else if (target.extension === ext.number)
        errors.push({ path: ['extensions', i, 'forward', kind, 'extension'], message: 'an extension cannot forward to itself' });
    }
  });

  inboundRoutes.forEach((route, i) => {
    const d = route.destination;
    if ('extension' in d && !extNumbers.has(d.extension))
      errors.push({ path: ['inboundRoutes', i, 'destination', 'extension'], message: `extension ${d.extension} does not exist` });
  });

  outbound.rules.forEach((rule, i) => {
    rule.trunks.forEach((t, j) => {
      if (!trunkNames.has(t)) errors.push({ path: ['outbound', 'rules', i, 'trunks', j], message: `trunk "${t}" does not exist` });
    });
    errors.push(...duplicates(rule.trunks, (t) => t, (j) => ['outbound', 'rules', i, 'trunks', j], 'trunk'));
    rule.patterns.forEach((p, j) => {
      if (isExactNumber(p) && numberOwner.has(p))
        errors.push({ path: ['outbound', 'rules', i, 'patterns', j], message: `${p} is ${numberOwner.get(p)}; an outbound rule cannot take it`, conflict: true });
    });
  });

  outbound.classes.forEach((cls, i) => {
    cls.rules.forEach((r, j) => {
      if (!ruleNames.has(r)) errors.push({ path: ['outbound', 'classes', i, 'rules', j], message: `outbound rule "${r}" does not exist` });
    });
    errors.push(...duplicates(cls.rules, (r) => r, (j) => ['outbound', 'classes', i, 'rules', j], 'rule'));
  });

  // Secrets people chose. Register-trunk passwords are the carrier's choice: only the most
  // obvious mistake is refused there. Only new or changed secrets are judged: a stricter rule
  // (or a box restored from an older firmware) must not block every edit of other objects.
  const kept = new Set<string>();
  for (const e of previous?.extensions ?? []) for (const d of e.devices) kept.add(`device ${d.username} ${d.password}`);
  for (const u of previous?.amiUsers ?? []) kept.add(`ami ${u.username} ${u.secret}`);
  extensions.forEach((ext, i) =>
    ext.devices.forEach((d, j) => {
      if (kept.has(`device ${d.username} ${d.password}`)) return;
      for (const message of passwordProblems(d.password, { kind: 'sip', username: d.username }))
        errors.push({ path: ['extensions', i, 'devices', j, 'password'], message });
    }),
  );
  trunks.forEach((t, i) => {
    if (t.password !== undefined && t.username !== undefined && t.password.toLowerCase() === t.username.toLowerCase())
      errors.push({ path: ['trunks', i, 'password'], message: 'must not be the user name' });
  });
  config.amiUsers.forEach((u, i) => {
    if (kept.has(`ami ${u.username} ${u.secret}`)) return;
    for (const message of passwordProblems(u.secret, { kind: 'sip', username: u.username })) errors.push({ path: ['amiUsers', i, 'secret'], message });
  });

  config.webhooks.forEach((hook, i) => {
    hook.extensions.forEach((n, j) => {
      if (!extNumbers.has(n)) errors.push({ path: ['webhooks', i, 'extensions', j], message: `extension ${n} does not exist` });
    });
  });

  return errors;
}

/** Parses and checks a whole configuration; throws ValidationError listing every problem. */
export function parseConfig(input: unknown, previous?: PbxConfig): PbxConfig {
  const parsed = pbxConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'the configuration is invalid',
      parsed.error.issues.map((issue) => ({
        path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
        message: issue.message,
      })),
    );
  }
  const errors = checkConsistency(parsed.data, previous);
  if (errors.length > 0) throw new ValidationError('the configuration is inconsistent', errors);
  return parsed.data;
}
