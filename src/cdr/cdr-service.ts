// What the REST API needs of the CDR (src/api/cdr.ts's CdrApi): rows as one viewer may see them,
// and streamed exports. The masked columns are what everybody gets; whole numbers and names come
// back from the protected column only for
//   - a privacy viewer: clear rows at once, sealed rows when their session is unlocked (else
//     `locked: true` and the masked form);
//   - the owner of an extension, for their own calls (/me/calls): clear rows only, since sealed
//     fields open with the privacy officer's key alone.
import type { Writable } from 'node:stream';
import type {
  CdrQuery, CdrSecrets, CdrView, ExportFormat, FieldProtector, LegalHold, ProtectedFields, QueueCallQuery, QueueCallView,
} from '../domain/cdr.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { CdrStore, StoredCdr, StoredQueueCall } from '../store/cdr-store.ts';
import { EXPORT_CONTENT_TYPES, writeCdrExport, writeQueueCallExport } from './export.ts';

/** Who looks: `privacy` (the privacy permission), `own` (their own calls), or masked. */
export interface CdrViewer {
  mode: 'masked' | 'privacy' | 'own';
  sessionHash?: string;
}

const BATCH = 500;

export class CdrService {
  private readonly store: CdrStore;
  private readonly protector: () => FieldProtector;

  constructor(options: { store: CdrStore; protector: () => FieldProtector }) {
    this.store = options.store;
    this.protector = options.protector;
  }

  /** The whole values of `stored` for this viewer (undefined where they stay masked), and whether sealed ones stayed locked. */
  private async unprotect(stored: (ProtectedFields | undefined)[], viewer: CdrViewer): Promise<{ secrets: (CdrSecrets | undefined)[]; locked: boolean }> {
    const secrets: (CdrSecrets | undefined)[] = stored.map(() => undefined);
    if (viewer.mode === 'masked') return { secrets, locked: false };
    const sealed: number[] = [];
    stored.forEach((p, i) => {
      if (p?.clear !== undefined) secrets[i] = JSON.parse(p.clear) as CdrSecrets;
      else if (p?.sealed !== undefined) sealed.push(i);
    });
    if (!sealed.length) return { secrets, locked: false };
    const protector = this.protector();
    if (viewer.mode !== 'privacy' || !protector.isUnlocked(viewer.sessionHash)) return { secrets, locked: true };
    const opened = await protector.reveal(viewer.sessionHash, sealed.map((i) => stored[i]!));
    // A row whose data key this session cannot open comes back empty: it stays masked.
    sealed.forEach((i, k) => (secrets[i] = opened[k] && Object.keys(opened[k]!).length ? (opened[k] as CdrSecrets) : undefined));
    return { secrets, locked: false };
  }

  private async cdrViews(rows: StoredCdr[], viewer: CdrViewer, holds?: Set<string>): Promise<CdrView[]> {
    const { secrets, locked } = await this.unprotect(rows.map((r) => r.protected), viewer);
    return rows.map((r, i) => {
      const { protected: p, ...row } = r;
      const s = secrets[i];
      return {
        ...row,
        ...(s ?? {}),
        masked: p !== undefined && s === undefined,
        ...(locked && p?.sealed !== undefined ? { locked: true } : {}),
        ...(holds ? { onHold: holds.has(r.linkedId) } : {}),
      };
    });
  }

  private async queueViews(rows: StoredQueueCall[], viewer: CdrViewer): Promise<QueueCallView[]> {
    const { secrets, locked } = await this.unprotect(rows.map((r) => r.protected), viewer);
    return rows.map((r, i) => {
      const { protected: p, ...row } = r;
      const s = secrets[i];
      return {
        ...row,
        ...(s?.callerNumber !== undefined ? { callerNumber: s.callerNumber } : {}),
        ...(s?.callerName !== undefined ? { callerName: s.callerName } : {}),
        masked: p !== undefined && s === undefined,
        ...(locked && p?.sealed !== undefined ? { locked: true } : {}),
      };
    });
  }

  async list(q: CdrQuery, viewer: CdrViewer): Promise<{ items: CdrView[]; total: number; next?: string }> {
    const out = this.store.query(q);
    const holds = viewer.mode === 'privacy' ? this.store.holds() : undefined;
    return { ...out, items: await this.cdrViews(out.items, viewer, holds) };
  }

  async queueCalls(q: QueueCallQuery, viewer: CdrViewer): Promise<{ items: QueueCallView[]; total: number }> {
    const out = this.store.queueCalls(q);
    return { ...out, items: await this.queueViews(out.items, viewer) };
  }

  private async *batches<S, V>(rows: Iterable<S>, view: (batch: S[]) => Promise<V[]>): AsyncGenerator<V> {
    let batch: S[] = [];
    for (const r of rows) {
      batch.push(r);
      if (batch.length >= BATCH) {
        yield* await view(batch);
        batch = [];
      }
    }
    if (batch.length) yield* await view(batch);
  }

  /** Every row of the query as this viewer may see it (bounded memory). */
  rows(q: CdrQuery, viewer: CdrViewer): AsyncIterable<CdrView> {
    return this.batches(this.store.iterate(q), (b) => this.cdrViews(b, viewer));
  }

  queueCallRows(q: QueueCallQuery, viewer: CdrViewer): AsyncIterable<QueueCallView> {
    return this.batches(this.store.iterateQueueCalls(q), (b) => this.queueViews(b, viewer));
  }

  contentType(format: ExportFormat): string {
    return EXPORT_CONTENT_TYPES[format];
  }

  exportCdr(q: CdrQuery, viewer: CdrViewer, format: ExportFormat, out: Writable): Promise<number> {
    return writeCdrExport(this.rows(q, viewer), format, out);
  }

  exportQueueCalls(q: QueueCallQuery, viewer: CdrViewer, format: ExportFormat, out: Writable): Promise<number> {
    return writeQueueCallExport(this.queueCallRows(q, viewer), format, out);
  }

  holds(): LegalHold[] {
    return this.store.listHolds();
  }

  /** NotFoundError for a call the CDR does not know. */
  setHold(linkedId: string, hold: boolean, by: string, reason?: string): void {
    if (hold && !this.store.hasCall(linkedId)) throw new NotFoundError(`no call with linked id ${linkedId}`);
    if (!hold && !this.store.isOnHold(linkedId)) throw new NotFoundError(`call ${linkedId} is not on legal hold`);
    this.store.setLegalHold(linkedId, hold, by, reason);
  }
}
