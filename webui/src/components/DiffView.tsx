// Diffs for people: a unified diff as the server makes it (configuration preview), and the
// difference between two JSON values (audit entries). Added and removed lines are marked by
// colour and by their +/- sign, so the marking does not rely on colour alone.
import { useState } from 'react';
import { useI18n } from '../lib/i18n.tsx';
import './DiffView.css';

export type LineKind = 'add' | 'del' | 'hunk' | 'meta' | 'same';
export interface DiffLine {
  kind: LineKind;
  text: string;
}

/** Classifies the lines of a unified diff; file headers only count before the first hunk. */
export function parseUnifiedDiff(text: string): DiffLine[] {
  const lines = text.replace(/\n$/, '').split('\n');
  const out: DiffLine[] = [];
  let inHunk = false;
  for (const line of lines) {
    if (line.startsWith('@@')) {
      inHunk = true;
      out.push({ kind: 'hunk', text: line });
    } else if (!inHunk) out.push({ kind: 'meta', text: line });
    else if (line.startsWith('+')) out.push({ kind: 'add', text: line });
    else if (line.startsWith('-')) out.push({ kind: 'del', text: line });
    else if (line.startsWith('\\')) out.push({ kind: 'meta', text: line });
    else out.push({ kind: 'same', text: line });
  }
  return out;
}

/** JSON with object keys sorted at every level, so equal values print as equal text. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return '';
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sort(o[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) ?? '';
}

/** Beyond this many LCS cells the diff degrades to "all removed, all added" (keeps the page responsive). */
const LCS_LIMIT = 4_000_000;

/** Line diff by longest common subsequence: lines only in `a` are 'del', only in `b` 'add'. */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: DiffLine[] = a.slice(0, start).map((text) => ({ kind: 'same', text }));
  const tail: DiffLine[] = a.slice(endA).map((text) => ({ kind: 'same', text }));
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const n = x.length;
  const m = y.length;
  const mid: DiffLine[] = [];
  if ((n + 1) * (m + 1) > LCS_LIMIT) {
    for (const text of x) mid.push({ kind: 'del', text });
    for (const text of y) mid.push({ kind: 'add', text });
    return [...head, ...mid, ...tail];
  }
  // len[i][j] = LCS length of x[i..] and y[j..], in one flat array.
  const w = m + 1;
  const len = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) len[i * w + j] = x[i] === y[j] ? len[(i + 1) * w + j + 1]! + 1 : Math.max(len[(i + 1) * w + j]!, len[i * w + j + 1]!);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      mid.push({ kind: 'same', text: x[i]! });
      i++;
      j++;
    } else if (len[(i + 1) * w + j]! >= len[i * w + j + 1]!) mid.push({ kind: 'del', text: x[i++]! });
    else mid.push({ kind: 'add', text: y[j++]! });
  }
  while (i < n) mid.push({ kind: 'del', text: x[i++]! });
  while (j < m) mid.push({ kind: 'add', text: y[j++]! });
  return [...head, ...mid, ...tail];
}

/** The line diff of two JSON values, pretty-printed with sorted keys. */
export function valueDiff(before: unknown, after: unknown): DiffLine[] {
  const split = (v: unknown) => (v === undefined ? [] : stableStringify(v).split('\n'));
  return diffLines(split(before), split(after));
}

/** Long diffs (a config of thousands of extensions) show this many lines until asked for all. */
const SHOWN = 2000;

function Lines({ lines, prefix, testId }: { lines: DiffLine[]; prefix: boolean; testId?: string }) {
  const { t } = useI18n();
  const [all, setAll] = useState(false);
  const shown = all ? lines : lines.slice(0, SHOWN);
  const sign = (k: LineKind) => (k === 'add' ? '+ ' : k === 'del' ? '- ' : '  ');
  return (
    <div className="diff-view" data-testid={testId}>
      <pre className="diff">
        {shown.map((l, i) => (
          <span key={i} className={`line ${l.kind}`} data-kind={l.kind}>
            {(prefix ? sign(l.kind) : '') + l.text || ' '}
          </span>
        ))}
      </pre>
      {shown.length < lines.length ? (
        <button type="button" className="link" onClick={() => setAll(true)}>
          {t('dashboard.diff.showAll', { n: lines.length })}
        </button>
      ) : null}
    </div>
  );
}

/** A unified diff with added (+) and removed (-) lines marked. */
export function DiffView({ text }: { text: string }) {
  const { t } = useI18n();
  const lines = parseUnifiedDiff(text);
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return (
    <>
      <p className="diff-summary small muted">{t('dashboard.diff.summary', { added, removed })}</p>
      <Lines lines={lines} prefix={false} />
    </>
  );
}

/** Two JSON values, line by line: lines only in `before` removed, only in `after` added. */
export function ValueDiff({ before, after }: { before: unknown; after: unknown }) {
  return <Lines lines={valueDiff(before, after)} prefix={true} testId="value-diff" />;
}
