// Consistency rules of the whole model that a per-object schema cannot see: one number plan,
// unique names, references that must exist. Pure: they read a parsed config and return errors.
import { IN_CALL_CODES, isExactNumber, pbxConfigSchema, type PbxConfig } from './model.ts';
import { parkingNumbers } from './collections.ts';
import { ValidationError, type FieldError, type FieldPath } from './errors.ts';
import { passwordProblems } from './password.ts';
import { KIND_LABEL, destinationNames, destinationUses, instantCycles, promptUses, targetOf } from './destinations.ts';

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

/** 000000, 123456, 987654: the PINs tried first. */
export function isObviousPin(pin: string): boolean {
  const d = [...pin].map(Number);
  const steps = new Set(d.slice(1).map((x, i) => (x - d[i]! + 10) % 10));
  return steps.size === 1 && (steps.has(0) || steps.has(1) || steps.has(9));
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
  const numbered: [string, { name: string; number?: string | undefined }[], string][] = [
    ['ringGroups', config.ringGroups, 'ring group'],
    ['queues', config.queues, 'queue'],
    ['ivrs', config.ivrs, 'IVR'],
    ['conferences', config.conferences, 'conference'],
    ['pagingGroups', config.pagingGroups, 'paging group'],
    ['voicemailBoxes', config.voicemailBoxes.map((b) => ({ ...b, name: b.number })), 'voicemail box'],
  ];
  for (const [base, items, label] of numbered) {
    items.forEach((o, i) => {
      if (o.number === undefined) return;
      const owner = numberOwner.get(o.number);
      if (owner) errors.push({ path: [base, i, 'number'], message: `number ${o.number} is already used by ${owner}`, conflict: true });
      else numberOwner.set(o.number, `${label} ${o.name}`);
    });
  }

  for (const [n, label] of parkingNumbers(config)) {
    const owner = numberOwner.get(n);
    if (owner) errors.push({ path: ['services', 'parking', n === config.services.parking.number ? 'number' : 'firstSlot'], message: `${label} ${n} is already used by ${owner}`, conflict: true });
    else numberOwner.set(n, label);
  }

  // Feature codes share the dialled-number space with each other; a code that is the start of
  // another would make the longer one unreachable.
  const codeOwner = new Map<string, string>();
  const overlapping = (code: string) => [...codeOwner.entries()].find(([c]) => c.startsWith(code) || code.startsWith(c))?.[1];
  const inCall = new Set<string>(IN_CALL_CODES);
  for (const [key, code] of Object.entries(config.featureCodes)) {
    if (inCall.has(key)) continue;
    const owner = overlapping(code);
    if (owner) errors.push({ path: ['featureCodes', key], message: `code ${code} is already used by (or overlaps) ${owner}`, conflict: true });
    else codeOwner.set(code, `feature code ${key}`);
  }
  // In-call codes are matched digit by digit during a call: one that starts another shadows it.
  const inCallOwner = new Map<string, string>();
  for (const key of IN_CALL_CODES) {
    const code = config.featureCodes[key];
    const owner = [...inCallOwner.entries()].find(([c]) => c.startsWith(code) || code.startsWith(c))?.[1];
    if (owner) errors.push({ path: ['featureCodes', key], message: `code ${code} is already used by (or overlaps) ${owner}`, conflict: true });
    else inCallOwner.set(code, `feature code ${key}`);
  }
  config.switches.forEach((sw, i) => {
    if (sw.code === undefined) return;
    const owner = overlapping(sw.code);
    if (owner) errors.push({ path: ['switches', i, 'code'], message: `code ${sw.code} is already used by (or overlaps) ${owner}`, conflict: true });
    else codeOwner.set(sw.code, `switch ${sw.name}`);
  });

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
  const named: [string, { name: string }[], string][] = [
    ['prompts', config.prompts, 'prompt'],
    ['timeConditions', config.timeConditions, 'time condition'],
    ['switches', config.switches, 'switch'],
    ['ivrs', config.ivrs, 'IVR'],
    ['ringGroups', config.ringGroups, 'ring group'],
    ['queues', config.queues, 'queue'],
    ['lookups', config.lookups, 'lookup'],
    ['announcements', config.announcements, 'announcement'],
    ['disa', config.disa, 'DISA'],
    ['conferences', config.conferences, 'conference'],
    ['mohClasses', config.mohClasses, 'music class'],
    ['pagingGroups', config.pagingGroups, 'paging group'],
  ];
  for (const [base, items, label] of named) errors.push(...duplicates(items, (o) => o.name, (i) => [base, i, 'name'], `${label} name`));
  errors.push(...duplicates(config.blockedCallers, (b) => b.number, (i) => ['blockedCallers', i, 'number'], 'blocked number'));
  errors.push(...duplicates(config.voicemailBoxes, (b) => b.number, (i) => ['voicemailBoxes', i, 'number'], 'mailbox number'));

  const extNumbers = new Set(extensions.map((e) => e.number));
  const trunkNames = new Set(trunks.map((t) => t.name));
  const ruleNames = new Set(outbound.rules.map((r) => r.name));
  const classNames = new Set(outbound.classes.map((c) => c.name));

  extensions.forEach((ext, i) => {
    if (ext.class !== undefined && !classNames.has(ext.class))
      errors.push({ path: ['extensions', i, 'class'], message: `calling class "${ext.class}" does not exist` });
    if (ext.lockedClass !== undefined && !classNames.has(ext.lockedClass))
      errors.push({ path: ['extensions', i, 'lockedClass'], message: `calling class "${ext.lockedClass}" does not exist` });
    if (ext.voicemail.enabled && ext.pin === undefined) errors.push({ path: ['extensions', i, 'pin'], message: 'a mailbox needs the extension PIN' });
    if (ext.voicemail.deleteAfterEmail && !(ext.voicemail.email ?? ext.email))
      errors.push({ path: ['extensions', i, 'voicemail', 'deleteAfterEmail'], message: 'messages can only be deleted once e-mailed: give an address' });
    for (const kind of ['always', 'busy', 'noAnswer', 'unreachable'] as const) {
      const target = ext.forward[kind];
      if (target && 'extension' in target && target.extension === ext.number)
        errors.push({ path: ['extensions', i, 'forward', kind, 'extension'], message: 'an extension cannot forward to itself' });
    }
  });

  // Every destination names an object that exists, and no chain of instant steps loops.
  const names = destinationNames(config);
  const uses = destinationUses(config);
  for (const u of uses) {
    const t = targetOf(u.destination);
    if (t && !names[t.kind].has(t.name)) errors.push({ path: [...u.path, t.kind], message: `${KIND_LABEL[t.kind]} ${t.name} does not exist` });
  }
  for (const u of instantCycles(uses)) {
    errors.push({ path: u.path, message: `${u.owner} leads back to itself without the caller doing anything: calls would loop for ever` });
  }
  const promptNames = new Set(config.prompts.map((p) => p.name));
  for (const u of promptUses(config)) {
    if ('custom' in u.prompt && !promptNames.has(u.prompt.custom)) errors.push({ path: [...u.path, 'custom'], message: `prompt "${u.prompt.custom}" does not exist` });
  }

  const timeConditionNames = new Set(config.timeConditions.map((t) => t.name));
  config.switches.forEach((sw, i) => {
    errors.push(...duplicates(sw.states, (st) => st.name, (j) => ['switches', i, 'states', j, 'name'], 'state'));
    sw.allowed.forEach((n, j) => {
      if (!extNumbers.has(n)) errors.push({ path: ['switches', i, 'allowed', j], message: `extension ${n} does not exist` });
    });
    if (sw.pin !== undefined && sw.code === undefined) errors.push({ path: ['switches', i, 'pin'], message: 'a PIN needs a code to protect' });
  });
  config.ivrs.forEach((v, i) => errors.push(...duplicates(v.options, (o) => o.key, (j) => ['ivrs', i, 'options', j, 'key'], 'key')));
  config.ringGroups.forEach((g, i) => {
    g.members.forEach((m, j) => {
      if ('extension' in m && !extNumbers.has(m.extension)) errors.push({ path: ['ringGroups', i, 'members', j, 'extension'], message: `extension ${m.extension} does not exist` });
    });
    errors.push(...duplicates(g.members, (m) => ('extension' in m ? `extension ${m.extension}` : `number ${m.external}`), (j) => ['ringGroups', i, 'members', j], 'member'));
  });
  config.queues.forEach((q, i) => {
    const all = [
      ...q.members.map((m, j) => ({ m, path: ['queues', i, 'members', j, 'extension'] as FieldPath })),
      ...q.dynamicMembers.map((m, j) => ({ m, path: ['queues', i, 'dynamicMembers', j, 'extension'] as FieldPath })),
    ];
    const seen = new Set<string>();
    for (const { m, path } of all) {
      if (!extNumbers.has(m.extension)) errors.push({ path, message: `extension ${m.extension} does not exist` });
      else if (seen.has(m.extension)) errors.push({ path, message: `extension ${m.extension} is already a member`, conflict: true });
      seen.add(m.extension);
    }
    if (q.openHours !== undefined && !timeConditionNames.has(q.openHours)) errors.push({ path: ['queues', i, 'openHours'], message: `time condition "${q.openHours}" does not exist` });
  });
  config.lookups.forEach((l, i) => {
    errors.push(...duplicates(l.routes, (r) => r.name, (j) => ['lookups', i, 'routes', j, 'name'], 'route'));
    const routeNames = new Set(l.routes.map((r) => r.name));
    if ('table' in l.source) {
      errors.push(...duplicates(l.source.table, (r) => r.key, (j) => ['lookups', i, 'source', 'table', j, 'key'], 'key'));
      l.source.table.forEach((row, j) => {
        if (!routeNames.has(row.route)) errors.push({ path: ['lookups', i, 'source', 'table', j, 'route'], message: `route "${row.route}" is not one of this lookup's routes` });
      });
    } else if (l.input === 'digits' && !l.source.url.includes('{digits}')) {
      errors.push({ path: ['lookups', i, 'source', 'url'], message: 'the caller types a code: put {digits} in the URL' });
    }
  });
  const musicNames = new Set(config.mohClasses.map((m) => m.name));
  const music = (path: FieldPath, name: string | undefined) => {
    if (name !== undefined && !musicNames.has(name)) errors.push({ path, message: `music class "${name}" does not exist` });
  };
  config.queues.forEach((q, i) => music(['queues', i, 'musicClass'], q.musicClass));
  config.conferences.forEach((c, i) => {
    music(['conferences', i, 'musicClass'], c.musicClass);
    if (c.owner !== undefined && !extNumbers.has(c.owner)) errors.push({ path: ['conferences', i, 'owner'], message: `extension ${c.owner} does not exist` });
    if (c.pin !== undefined && c.pin === c.adminPin) errors.push({ path: ['conferences', i, 'adminPin'], message: 'must differ from the participant PIN' });
  });
  music(['services', 'parking', 'musicClass'], config.services.parking.musicClass);
  for (const [base, items] of [['voicemailBoxes', config.voicemailBoxes], ['pagingGroups', config.pagingGroups]] as const) {
    items.forEach((o, i) => {
      o.members.forEach((n, j) => {
        if (!extNumbers.has(n)) errors.push({ path: [base, i, 'members', j], message: `extension ${n} does not exist` });
      });
      errors.push(...duplicates(o.members, (n) => n, (j) => [base, i, 'members', j], 'member'));
    });
  }
  config.voicemailBoxes.forEach((b, i) => {
    if (b.deleteAfterEmail && !b.email) errors.push({ path: ['voicemailBoxes', i, 'deleteAfterEmail'], message: 'messages can only be deleted once e-mailed: give an address' });
  });
  config.disa.forEach((d, i) => {
    if (!classNames.has(d.class)) errors.push({ path: ['disa', i, 'class'], message: `calling class "${d.class}" does not exist` });
  });
  // A DISA PIN opens an outside line to anyone who guesses it (toll fraud): no short or obvious ones.
  config.disa.forEach((d, i) => {
    if (d.pin.length < 6 || isObviousPin(d.pin)) errors.push({ path: ['disa', i, 'pin'], message: 'at least 6 digits, not all the same and not a run such as 123456' });
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
  // PINs guard mailboxes (toll fraud through call-back features) and the phone lock.
  for (const e of previous?.extensions ?? []) if (e.pin) kept.add(`pin ext ${e.number} ${e.pin}`);
  for (const b of previous?.voicemailBoxes ?? []) kept.add(`pin box ${b.number} ${b.pin}`);
  for (const c of previous?.conferences ?? []) kept.add(`pin conf ${c.name} ${c.pin} ${c.adminPin}`);
  for (const p of previous?.phones ?? []) {
    kept.add(`phone admin ${p.mac} ${p.adminPassword}`);
    if (p.httpAuth) kept.add(`phone ${p.mac} ${p.httpAuth.password}`);
  }
  const weakPin = (p: string, own: string) => p.length < 4 || isObviousPin(p) || own.endsWith(p) || p === own;
  const PIN_MESSAGE = 'too easy to guess: not all the same digit, not a run such as 1234, not the mailbox number';
  extensions.forEach((e, i) => {
    if (e.pin !== undefined && !kept.has(`pin ext ${e.number} ${e.pin}`) && weakPin(e.pin, e.number)) errors.push({ path: ['extensions', i, 'pin'], message: PIN_MESSAGE });
  });
  config.voicemailBoxes.forEach((b, i) => {
    if (!kept.has(`pin box ${b.number} ${b.pin}`) && weakPin(b.pin, b.number)) errors.push({ path: ['voicemailBoxes', i, 'pin'], message: PIN_MESSAGE });
  });
  config.conferences.forEach((c, i) => {
    if (kept.has(`pin conf ${c.name} ${c.pin} ${c.adminPin}`)) return;
    if (c.adminPin !== undefined && weakPin(c.adminPin, c.number)) errors.push({ path: ['conferences', i, 'adminPin'], message: PIN_MESSAGE });
  });
  config.amiUsers.forEach((u, i) => {
    if (kept.has(`ami ${u.username} ${u.secret}`)) return;
    for (const message of passwordProblems(u.secret, { kind: 'sip', username: u.username })) errors.push({ path: ['amiUsers', i, 'secret'], message });
  });

  errors.push(...phoneRules(config, kept));

  config.webhooks.forEach((hook, i) => {
    hook.extensions.forEach((n, j) => {
      if (!extNumbers.has(n)) errors.push({ path: ['webhooks', i, 'extensions', j], message: `extension ${n} does not exist` });
    });
  });

  return errors;
}

/** Phones: their lines are existing devices (each on one phone), their keys name what exists. */
function phoneRules(config: PbxConfig, kept: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  const accounts = new Map<string, string>();
  for (const e of config.extensions) for (const d of e.devices) accounts.set(d.username, e.number);
  const extNumbers = new Set(config.extensions.map((e) => e.number));
  const switches = new Set(config.switches.map((s) => s.name));
  const slots = new Set([...parkingNumbers(config)].filter(([, owner]) => owner.startsWith('park slot')).map(([n]) => n));
  const templates = new Map(config.phoneTemplates.map((t) => [t.name, t]));
  const lineOwner = new Map<string, string>();
  config.phones.forEach((phone, i) => {
    phone.lines.forEach((line, j) => {
      const path = ['phones', i, 'lines', j, 'account'];
      if (!accounts.has(line.account)) errors.push({ path, message: `no extension has a device ${line.account}` });
      const other = lineOwner.get(line.account);
      // One account on two phones would make them take turns in one registration.
      if (other !== undefined) errors.push({ path, message: `device ${line.account} is already on phone ${other}`, conflict: true });
      else lineOwner.set(line.account, phone.mac);
    });
    phone.keys.forEach((key, j) => {
      const path = ['phones', i, 'keys', j];
      if ('line' in key && key.line !== undefined && key.line > phone.lines.length) errors.push({ path: [...path, 'line'], message: `the phone has ${phone.lines.length} line(s)` });
      if (key.type === 'blf' && !extNumbers.has(key.extension)) errors.push({ path: [...path, 'extension'], message: `extension ${key.extension} does not exist` });
      if (key.type === 'switch' && !switches.has(key.switch)) errors.push({ path: [...path, 'switch'], message: `switch ${key.switch} does not exist` });
      if (key.type === 'switch' && switches.has(key.switch) && !config.switches.find((s) => s.name === key.switch)!.code)
        errors.push({ path: [...path, 'switch'], message: `switch ${key.switch} has no code to watch and dial` });
      if (key.type === 'park' && !slots.has(key.slot))
        errors.push({ path: [...path, 'slot'], message: config.services.parking.enabled ? `${key.slot} is not a park slot` : 'call parking is off' });
    });
    if (phone.template !== undefined) {
      const t = templates.get(phone.template);
      if (!t) errors.push({ path: ['phones', i, 'template'], message: `phone template ${phone.template} does not exist` });
      else if (t.vendor !== phone.vendor) errors.push({ path: ['phones', i, 'template'], message: `phone template ${t.name} is for ${t.vendor} phones` });
    }
    if (!kept.has(`phone admin ${phone.mac} ${phone.adminPassword}`))
      for (const message of passwordProblems(phone.adminPassword, { kind: 'sip', username: 'admin' })) errors.push({ path: ['phones', i, 'adminPassword'], message });
    // The Gigaset profile points the base at its own file's URL and has no setting for HTTP
    // credentials: the base would lose them at its first provisioning and fail every fetch after.
    if (phone.httpAuth && phone.vendor === 'gigaset')
      errors.push({ path: ['phones', i, 'httpAuth'], message: 'Gigaset bases cannot be given HTTP credentials through provisioning; leave HTTP authentication off' });
    if (phone.httpAuth && !kept.has(`phone ${phone.mac} ${phone.httpAuth.password}`))
      for (const message of passwordProblems(phone.httpAuth.password, { kind: 'sip', username: phone.httpAuth.username })) errors.push({ path: ['phones', i, 'httpAuth', 'password'], message });
  });
  config.phoneTemplates.forEach((t, i) => {
    errors.push(...duplicates(t.files, (f) => f.file, (j) => ['phoneTemplates', i, 'files', j, 'file'], 'file'));
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
