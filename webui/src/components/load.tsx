// What a page needs to show something it reads from the API: the value once it came, or what went
// wrong as a sentence; an answer that arrives after the page asked again is dropped.
import { useEffect, useState, type DependencyList, type Dispatch, type SetStateAction } from 'react';
import { errorText } from '../lib/api.ts';

export interface LoadOptions<T> {
  /** Forget the last answer (value and error) while the next one is on its way (new filters). */
  clear?: boolean;
  /** What the value becomes when loading failed; without it the last value stays. */
  failed?: T;
  /** The failure as the reader sees it (default: errorText). */
  describe?(err: unknown): string;
  /** Runs with each value that arrives (a form's draft made from it). */
  onLoad?(value: T): void;
}

export interface Loaded<T> {
  /** null until the first answer (and, with `clear`, while asking again). */
  data: T | null;
  error: string;
  /** Replaces the value (a write's answer, a row removed). */
  setData: Dispatch<SetStateAction<T | null>>;
}

/**
 * Loads once mounted and again whenever `deps` change (a counter among them reloads). `load`
 * answers undefined when there is nothing to load yet (what it needs is still on its way).
 */
export function useLoad<T>(load: () => Promise<T> | undefined, deps: DependencyList, opts: LoadOptions<T> = {}): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const pending = load();
    if (!pending) return;
    let live = true;
    if (opts.clear) {
      setData(null);
      setError('');
    }
    pending.then(
      (value) => {
        if (!live) return;
        setData(() => value);
        setError('');
        opts.onLoad?.(value);
      },
      (err: unknown) => {
        if (!live) return;
        if ('failed' in opts) setData(() => opts.failed ?? null);
        setError((opts.describe ?? errorText)(err));
      },
    );
    return () => {
      live = false;
    };
  }, deps);
  return { data, error, setData };
}

/** A failure said where it happened (announced); nothing when there is none. `inline` within a section. */
export function ErrorAlert({ error, inline = false, testId }: { error: string | undefined; inline?: boolean; testId?: string }) {
  if (!error) return null;
  return inline ? (
    <p className="field-error" role="alert" data-testid={testId}>
      {error}
    </p>
  ) : (
    <div className="form-error" role="alert" data-testid={testId}>
      {error}
    </div>
  );
}
