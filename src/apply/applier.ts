// Apply: render → new generation on disk → Asterisk parses the changed files → switch →
// smallest reload that takes the change → check Asterisk holds every expected object →
// on any failure, switch back, reload the last good generation and report the culprit.
// Requests are queued and deduplicated: while one apply runs, any number of new requests
// collapse into one more apply of the then-latest model.
import { EventEmitter } from 'node:events';
import type { ExpectedObject, RenderedConfig } from '../render/index.ts';
import { RenderError } from '../render/index.ts';
import type { FileSet, GenerationStore } from './generations.ts';
import { planReload } from './reload-plan.ts';
import type { Logger } from '../lib/log.ts';
import { unifiedDiff } from '../lib/text-diff.ts';

/** What apply needs from Asterisk; implemented over AMI in src/asterisk/control.ts. */
export interface ConfigTarget {
  /** AMI logged in and Asterisk fully booted. */
  readonly ready: boolean;
  /** Asks Asterisk to parse a file of the new generation; returns the problem, or undefined. */
  checkSyntax(generation: number, file: string): Promise<string | undefined>;
  reload(module: string): Promise<void>;
  /** "kind:id" of every object Asterisk holds, for the kinds ExpectedObject uses. */
  loadedObjects(): Promise<Set<string>>;
  /** Position in Asterisk's log, and the error lines written after it. */
  logMark(): number;
  errorsSince(mark: number): string[];
}

export type ApplyState = 'idle' | 'pending' | 'applying' | 'applied' | 'failed';

interface Manifest {
  expected: ExpectedObject[];
  revision?: number;
}

export interface ApplyStatus {
  state: ApplyState;
  /** Model revision of the last successful apply. */
  appliedRevision?: number;
  generation?: number;
  lastError?: { message: string; objects: string[]; details: string[]; at: string; revision?: number };
  /** Files changed that only an Asterisk restart takes (e.g. SIP transports). */
  restartRequired: string[];
  lastAppliedAt?: string;
  /** Objects of the running configuration Asterisk lacks for reasons outside it (see ExpectedObject.optional). */
  warnings?: string[];
}

export interface ApplyResult {
  ok: boolean;
  changed: boolean;
  /** Saved, waiting for Asterisk to be reachable; applied (and verified) then. */
  pending?: boolean;
  generation?: number;
  revision?: number;
  error?: ApplyStatus['lastError'];
  warnings?: string[];
}

export interface ApplierOptions {
  generations: GenerationStore;
  target: ConfigTarget;
  /** The model as it is now, rendered; may throw RenderError. */
  render: () => { revision: number; rendered: RenderedConfig };
  /** Hand-written files shipped with the software (dialplan library), added to every generation. */
  staticFiles: FileSet;
  logger: Logger;
}

export interface ConfigPreview {
  /** Model revision rendered. */
  revision: number;
  runningGeneration?: number;
  runningRevision?: number;
  changed: boolean;
  files: { name: string; status: 'added' | 'removed' | 'changed' | 'unchanged'; diff?: string }[];
  /** Asterisk modules an apply would reload. */
  reloads: string[];
  restartRequired: string[];
}

export class ApplyFailed extends Error {
  readonly objects: string[];
  readonly details: string[];
  constructor(message: string, objects: string[] = [], details: string[] = []) {
    super(message);
    this.objects = objects;
    this.details = details;
  }
}

export class Applier extends EventEmitter {
  private readonly o: ApplierOptions;
  private running: Promise<ApplyResult> | undefined;
  private queued: Promise<ApplyResult> | undefined;
  private bootLogMark = 0;
  readonly status: ApplyStatus = { state: 'idle', restartRequired: [] };

  constructor(options: ApplierOptions) {
    super();
    this.o = options;
  }

  /** Asks for the current model to be applied; resolves when an apply that includes it ends. */
  request(): Promise<ApplyResult> {
    if (!this.running) {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    if (!this.queued) {
      this.setState('pending');
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.request();
        });
    }
    return this.queued;
  }

  /**
   * Before Asterisk starts. The first time, there is no generation yet: write the model's and
   * make it current. Otherwise Asterisk starts on the current generation, the last one it was
   * seen to take, and the model (which may hold a change Asterisk refused) is applied after
   * boot through the verified path: a refused configuration never becomes live by a restart.
   */
  prepareForStart(): void {
    const cur = this.o.generations.current();
    if (cur !== undefined) {
      this.status.generation = cur;
      this.status.restartRequired = [];
      return;
    }
    const { revision, rendered } = this.o.render();
    const gen = this.o.generations.write({ ...rendered.files, ...this.o.staticFiles }, { expected: rendered.expected, revision } satisfies Manifest);
    this.o.generations.switchTo(gen.number);
    this.status.generation = gen.number;
    this.status.appliedRevision = revision;
    this.status.restartRequired = [];
    this.setState('applied');
  }

  private setState(state: ApplyState): void {
    this.status.state = state;
    this.emit('status', this.status);
  }

  private fail(err: unknown, revision: number | undefined): ApplyResult {
    const e =
      err instanceof ApplyFailed
        ? err
        : err instanceof RenderError
          ? new ApplyFailed(err.message, [err.owner])
          : new ApplyFailed((err as Error).message ?? String(err));
    this.status.lastError = { message: e.message, objects: e.objects, details: e.details, at: new Date().toISOString(), ...(revision !== undefined ? { revision } : {}) };
    this.setState('failed');
    this.o.logger.error({ error: this.status.lastError }, 'configuration apply failed; the running configuration is unchanged');
    return { ok: false, changed: false, error: this.status.lastError, ...(revision !== undefined ? { revision } : {}) };
  }

  private async runOnce(): Promise<ApplyResult> {
    this.setState('applying');
    let revision: number | undefined;
    try {
      const r = this.o.render();
      revision = r.revision;
      return await this.applyFiles({ ...r.rendered.files, ...this.o.staticFiles }, r.rendered.expected, revision);
    } catch (err) {
      return this.fail(err, revision);
    }
  }

  /** Applies a complete file set. Public so tests can offer Asterisk a config it must refuse. */
  async applyFiles(files: FileSet, expected: ExpectedObject[], revision?: number): Promise<ApplyResult> {
    const { generations, target, logger } = this.o;
    this.setState('applying');
    try {
      const cur = generations.current();
      const curFiles = cur === undefined ? {} : generations.read(cur);
      if (sameFiles(curFiles, files)) {
        this.succeed(revision, cur);
        return { ok: true, changed: false, ...(cur !== undefined ? { generation: cur } : {}), ...(revision !== undefined ? { revision } : {}) };
      }
      const plan = planReload(curFiles, files);
      if (cur === undefined) {
        // No generation at all yet (nothing to fall back to): this one starts Asterisk.
        const first = generations.write(files, { expected, revision } satisfies Manifest).number;
        generations.switchTo(first);
        this.succeed(revision, first);
        return { ok: true, changed: true, generation: first, ...(revision !== undefined ? { revision } : {}) };
      }
      if (!target.ready) {
        // Nothing is switched without Asterisk's word on it. Kept pending; applied through
        // this same path when AMI is back (main.ts requests it on FullyBooted).
        this.setState('pending');
        logger.warn({ revision }, 'Asterisk is not reachable; the change is saved and applies when it is');
        return { ok: false, changed: false, pending: true, ...(revision !== undefined ? { revision } : {}) };
      }
      const gen = generations.write(files, { expected, revision } satisfies Manifest).number;
      let warnings: string[] = [];

      // Only .conf files are Asterisk configuration; scripts beside them (.sh) are not parsed.
      for (const file of plan.changedFiles.filter((f) => f.endsWith('.conf'))) {
        const problem = await target.checkSyntax(gen, file);
        if (problem) {
          generations.markRejected(gen);
          throw new ApplyFailed(`Asterisk cannot parse ${file}: ${problem}`, [file]);
        }
      }

      const mark = target.logMark();
      generations.switchTo(gen);
      try {
        for (const m of plan.modules) await reloadWithRetry(target, m);
        const loaded = await target.loadedObjects();
        const absent = expected.filter((e) => !loaded.has(`${e.kind}:${e.id}`));
        const missing = absent.filter((e) => !e.optional);
        warnings = absent.flatMap((e) => (e.optional ? [e.optional] : []));
        if (missing.length > 0) {
          const details = target.errorsSince(mark);
          throw new ApplyFailed(
            `Asterisk did not take ${missing.map((m) => `${m.kind} ${m.id}`).join(', ')}`,
            [...new Set(missing.map((m) => m.owner))],
            details,
          );
        }
      } catch (err) {
        logger.warn({ generation: gen, back: cur }, 'restoring the last good configuration');
        generations.switchTo(cur);
        const rollbackErrors: string[] = [];
        for (const m of plan.modules) {
          await reloadWithRetry(target, m).catch((e: unknown) => rollbackErrors.push(`${m}: ${(e as Error).message}`));
        }
        generations.markRejected(gen);
        if (rollbackErrors.length > 0) {
          // Asterisk may hold part of the refused configuration: say so, never "unchanged".
          const e = err instanceof ApplyFailed ? err : new ApplyFailed((err as Error).message);
          throw new ApplyFailed(
            `${e.message}; restoring the previous configuration also failed (${rollbackErrors.join('; ')}): what Asterisk runs is uncertain until the next successful apply or restart`,
            e.objects,
            e.details,
          );
        }
        throw err;
      }
      generations.prune();
      this.status.restartRequired = [...new Set([...this.status.restartRequired, ...plan.restartRequired])];
      this.succeed(revision, gen);
      this.status.warnings = warnings;
      if (warnings.length) logger.warn({ generation: gen, warnings }, 'configuration applied with warnings');
      logger.info({ generation: gen, revision, reloaded: plan.modules, restartRequired: plan.restartRequired }, 'configuration applied');
      return { ok: true, changed: true, generation: gen, ...(revision !== undefined ? { revision } : {}), ...(warnings.length ? { warnings } : {}) };
    } catch (err) {
      return this.fail(err, revision);
    }
  }

  /**
   * What applying the current model would change, without applying it: each rendered file
   * against the running generation, with a unified diff, and the reloads it would cause.
   */
  preview(): ConfigPreview {
    const r = this.o.render();
    const files: FileSet = { ...r.rendered.files, ...this.o.staticFiles };
    const cur = this.o.generations.current();
    const running = cur === undefined ? {} : this.o.generations.read(cur);
    const names = [...new Set([...Object.keys(running), ...Object.keys(files)])].sort();
    const out: ConfigPreview['files'] = [];
    for (const name of names) {
      // Secrets stay out of the preview: it is a view for people, and diffs get copied around.
      const before = maskSecretLines(running[name]);
      const after = maskSecretLines(files[name]);
      if (before === after) out.push({ name, status: 'unchanged' });
      else
        out.push({
          name,
          status: before === undefined ? 'added' : after === undefined ? 'removed' : 'changed',
          diff: unifiedDiff(name, before ?? '', after ?? ''),
        });
    }
    const plan = planReload(running, files);
    return {
      revision: r.revision,
      ...(cur !== undefined ? { runningGeneration: cur } : {}),
      ...(this.status.appliedRevision !== undefined ? { runningRevision: this.status.appliedRevision } : {}),
      changed: out.some((f) => f.status !== 'unchanged'),
      files: out,
      reloads: plan.modules,
      restartRequired: plan.restartRequired,
    };
  }

  private succeed(revision: number | undefined, gen: number | undefined): void {
    if (revision !== undefined) this.status.appliedRevision = revision;
    if (gen !== undefined) this.status.generation = gen;
    this.status.lastAppliedAt = new Date().toISOString();
    delete this.status.lastError;
    this.setState('applied');
  }

  /** True when the running configuration is the one of this model revision. */
  inSync(revision: number): boolean {
    return this.status.state === 'applied' && this.status.appliedRevision === revision;
  }

  /** Called after Asterisk restarted: it now runs whatever `current` points at. */
  restarted(): void {
    this.status.restartRequired = [];
    this.bootLogMark = this.o.target.logMark();
  }

  /**
   * After Asterisk (re)booted on the current generation: check it holds every object, since a
   * start has no previous generation to fall back to (e.g. the SIP port is taken by another
   * program). A gap is reported like a failed apply, never hidden behind "running".
   */
  async verifyRunning(): Promise<boolean> {
    try {
      const cur = this.o.generations.current();
      const manifest = cur === undefined ? undefined : this.o.generations.manifest<Manifest>(cur);
      const expected = manifest?.expected ?? this.o.render().rendered.expected;
      const revision = manifest?.revision;
      const loaded = await this.o.target.loadedObjects();
      const absent = expected.filter((e) => !loaded.has(`${e.kind}:${e.id}`));
      const missing = absent.filter((e) => !e.optional);
      this.status.warnings = absent.flatMap((e) => (e.optional ? [e.optional] : []));
      if (missing.length === 0) return true;
      this.fail(
        new ApplyFailed(
          `Asterisk started without ${missing.map((m) => `${m.kind} ${m.id}`).join(', ')}`,
          [...new Set(missing.map((m) => m.owner))],
          this.o.target.errorsSince(this.bootLogMark).slice(-10),
        ),
        revision,
      );
      return false;
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'could not verify the running configuration');
      return false;
    }
  }
}

function sameFiles(a: FileSet, b: FileSet): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

async function reloadWithRetry(target: ConfigTarget, module: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await target.reload(module);
      return;
    } catch (err) {
      // "A module reload request is already in progress": Asterisk asks us to try again.
      if (attempt < 20 && /in progress/i.test((err as Error).message)) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      throw err;
    }
  }
}

/** Values of password=/secret= lines replaced (SIP, AMI, ARI credentials in the rendered files). */
export function maskSecretLines(text: string | undefined): string | undefined {
  // voicemail.conf mailbox lines start with the PIN: `201 => 7394,Name,...`.
  return text?.replace(/^(\s*(?:password|secret)\s*=\s*).*$/gim, '$1********').replace(/^(\s*[0-9]+\s*=>\s*)[0-9]+(?=,)/gm, '$1********');
}
