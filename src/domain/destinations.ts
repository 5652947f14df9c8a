// Every place in the model that sends a call somewhere, and every reference to a recorded
// prompt. The consistency rules, the "still used by" answer of the API and the renderer's
// checks all walk the model through these two lists, so a new object with a destination field
// is added here once.
import { DESTINATION_KINDS, type Destination, type PbxConfig, type PromptRef } from './model.ts';
import type { FieldPath } from './errors.ts';

export type DestinationKind = keyof typeof DESTINATION_KINDS;

export interface DestinationUse {
  path: FieldPath;
  destination: Destination;
  /** The object that holds it, named for people ("IVR main (option 1)"). */
  owner: string;
  /** Taken without the caller doing anything (time conditions, switches, caller-number lookups): a cycle of these never ends. */
  instant: boolean;
  /** The object holding it, as a destination reference (for the cycle check); absent for routes and forwards. */
  from?: { kind: DestinationKind; name: string };
}

/** The object a destination names, if it names one (extensions included). */
export function targetOf(d: Destination): { kind: DestinationKind; name: string } | undefined {
  for (const kind of Object.keys(DESTINATION_KINDS) as DestinationKind[]) {
    if (kind in d) return { kind, name: String((d as Record<string, unknown>)[kind]) };
  }
  return undefined;
}

export function destinationUses(config: PbxConfig): DestinationUse[] {
  const out: DestinationUse[] = [];
  const add = (path: FieldPath, destination: Destination | undefined, owner: string, instant = false, from?: DestinationUse['from']) => {
    if (destination) out.push({ path, destination, owner, instant, ...(from ? { from } : {}) });
  };
  config.inboundRoutes.forEach((r, i) => add(['inboundRoutes', i, 'destination'], r.destination, `inbound route ${r.did}`));
  config.extensions.forEach((e, i) => {
    for (const kind of ['always', 'busy', 'noAnswer', 'unreachable'] as const) {
      add(['extensions', i, 'forward', kind], e.forward[kind], `extension ${e.number} (forward ${kind})`);
    }
  });
  config.timeConditions.forEach((t, i) => {
    const from = { kind: 'timeCondition' as const, name: t.name };
    add(['timeConditions', i, 'inside'], t.inside, `time condition ${t.name} (inside)`, true, from);
    add(['timeConditions', i, 'outside'], t.outside, `time condition ${t.name} (outside)`, true, from);
    add(['timeConditions', i, 'holiday'], t.holiday, `time condition ${t.name} (holiday)`, true, from);
  });
  config.switches.forEach((s, i) =>
    s.states.forEach((st, j) => add(['switches', i, 'states', j, 'destination'], st.destination, `switch ${s.name} (state ${st.name})`, true, { kind: 'switch', name: s.name })),
  );
  config.ivrs.forEach((v, i) => {
    const from = { kind: 'ivr' as const, name: v.name };
    v.options.forEach((o, j) => add(['ivrs', i, 'options', j, 'destination'], o.destination, `IVR ${v.name} (key ${o.key})`, false, from));
    add(['ivrs', i, 'fallback'], v.fallback, `IVR ${v.name} (fallback)`, false, from);
  });
  config.ringGroups.forEach((g, i) => {
    const from = { kind: 'ringGroup' as const, name: g.name };
    add(['ringGroups', i, 'noAnswer'], g.noAnswer, `ring group ${g.name} (no answer)`, false, from);
    add(['ringGroups', i, 'busy'], g.busy, `ring group ${g.name} (busy)`, false, from);
  });
  config.queues.forEach((q, i) => {
    const from = { kind: 'queue' as const, name: q.name };
    add(['queues', i, 'timeoutDestination'], q.timeoutDestination, `queue ${q.name} (timeout)`, false, from);
    add(['queues', i, 'fullDestination'], q.fullDestination, `queue ${q.name} (full)`, false, from);
  });
  config.lookups.forEach((l, i) => {
    const from = { kind: 'lookup' as const, name: l.name };
    const instant = l.input === 'callerId';
    l.routes.forEach((r, j) => add(['lookups', i, 'routes', j, 'destination'], r.destination, `lookup ${l.name} (route ${r.name})`, instant, from));
    add(['lookups', i, 'fallback'], l.fallback, `lookup ${l.name} (fallback)`, instant, from);
  });
  config.announcements.forEach((a, i) => add(['announcements', i, 'then'], a.then, `announcement ${a.name}`, false, { kind: 'announcement', name: a.name }));
  config.blockedCallers.forEach((b, i) => add(['blockedCallers', i, 'destination'], b.destination, `blocked caller ${b.number}`));
  return out;
}

export interface PromptUse {
  path: FieldPath;
  prompt: PromptRef;
  owner: string;
}

export function promptUses(config: PbxConfig): PromptUse[] {
  const out: PromptUse[] = [];
  const add = (path: FieldPath, prompt: PromptRef | undefined, owner: string) => {
    if (prompt) out.push({ path, prompt, owner });
  };
  config.ivrs.forEach((v, i) => {
    add(['ivrs', i, 'greeting'], v.greeting, `IVR ${v.name} (greeting)`);
    add(['ivrs', i, 'invalidPrompt'], v.invalidPrompt, `IVR ${v.name} (invalid choice)`);
  });
  config.lookups.forEach((l, i) => add(['lookups', i, 'prompt'], l.prompt, `lookup ${l.name}`));
  config.announcements.forEach((a, i) => add(['announcements', i, 'prompt'], a.prompt, `announcement ${a.name}`));
  config.queues.forEach((q, i) => {
    add(['queues', i, 'periodicAnnouncement'], q.periodicAnnouncement, `queue ${q.name} (periodic announcement)`);
    add(['queues', i, 'agentAnnouncement'], q.agentAnnouncement, `queue ${q.name} (agent announcement)`);
  });
  return out;
}

/** The names of the objects of each destination kind (extensions by number). */
export function destinationNames(config: PbxConfig): Record<DestinationKind, Set<string>> {
  return {
    extension: new Set(config.extensions.map((e) => e.number)),
    ivr: new Set(config.ivrs.map((o) => o.name)),
    ringGroup: new Set(config.ringGroups.map((o) => o.name)),
    queue: new Set(config.queues.map((o) => o.name)),
    timeCondition: new Set(config.timeConditions.map((o) => o.name)),
    switch: new Set(config.switches.map((o) => o.name)),
    lookup: new Set(config.lookups.map((o) => o.name)),
    announcement: new Set(config.announcements.map((o) => o.name)),
    disa: new Set(config.disa.map((o) => o.name)),
    voicemail: new Set([...config.extensions.filter((e) => e.voicemail.enabled).map((e) => e.number), ...config.voicemailBoxes.map((b) => b.number)]),
    conference: new Set(config.conferences.map((o) => o.name)),
  };
}

export const KIND_LABEL: Record<DestinationKind, string> = {
  extension: 'extension',
  ivr: 'IVR',
  ringGroup: 'ring group',
  queue: 'queue',
  timeCondition: 'time condition',
  switch: 'switch',
  lookup: 'lookup',
  announcement: 'announcement',
  disa: 'DISA',
  voicemail: 'mailbox',
  conference: 'conference',
};

/**
 * Cycles made only of instant steps (a time condition whose inside is a switch whose state is
 * that time condition): a call entering one would loop without end. Returns one use per cycle,
 * the step that closes it.
 */
export function instantCycles(uses: readonly DestinationUse[]): DestinationUse[] {
  const edges = new Map<string, DestinationUse[]>();
  for (const u of uses) {
    if (!u.instant || !u.from) continue;
    const key = `${u.from.kind}/${u.from.name}`;
    edges.set(key, [...(edges.get(key) ?? []), u]);
  }
  const state = new Map<string, 'open' | 'done'>();
  const found: DestinationUse[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    for (const u of edges.get(node) ?? []) {
      const t = targetOf(u.destination);
      if (!t) continue;
      const next = `${t.kind}/${t.name}`;
      if (state.get(next) === 'open') found.push(u);
      else if (!state.has(next)) visit(next);
    }
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}
