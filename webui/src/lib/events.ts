// One EventSource for the whole GUI (the box's SSE stream); components subscribe by event type.
// The stream asks the server only for the types someone listens to (?types=), so the box does
// not compute live status for a page that does not show it; when the set of types changes the
// stream is reopened. The browser reconnects by itself; 'open' tells subscribers about each
// (re)connection so they can refetch what they might have missed, 'error' about failures.
import { useEffect, useRef } from 'react';

type Handler = (data: unknown) => void;
const handlers = new Map<string, Set<Handler>>();
/** Pseudo-types produced by the EventSource itself, not asked of the server. */
const LOCAL = new Set(['open', 'error']);
let source: EventSource | null = null;
let sourceTypes = '';
let reopen = false;

function wanted(): string {
  return [...handlers.entries()]
    .filter(([t, set]) => !LOCAL.has(t) && set.size > 0)
    .map(([t]) => t)
    .sort()
    .join(',');
}

function open(): void {
  source?.close();
  sourceTypes = wanted();
  if (!sourceTypes) {
    source = null;
    return;
  }
  const s = new EventSource(`/api/v1/events?types=${encodeURIComponent(sourceTypes)}`);
  source = s;
  s.addEventListener('open', () => dispatch('open', null));
  s.addEventListener('error', () => dispatch('error', null));
  for (const type of sourceTypes.split(',')) {
    s.addEventListener(type, (e) => {
      let data: unknown = null;
      try {
        data = JSON.parse((e as MessageEvent<string>).data);
      } catch {
        /* a malformed event is skipped */
      }
      dispatch(type, data);
    });
  }
}

/**
 * Reopens the stream when the types listened to differ from those asked for; once per batch of
 * (un)subscriptions (a page subscribing to four call event types opens one stream, not four).
 */
function sync(): void {
  if (reopen) return;
  reopen = true;
  queueMicrotask(() => {
    reopen = false;
    if (wanted() !== sourceTypes || (source && source.readyState === EventSource.CLOSED && sourceTypes)) open();
  });
}

function dispatch(type: string, data: unknown) {
  for (const h of handlers.get(type) ?? []) h(data);
}

export function subscribe(type: string, h: Handler): () => void {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type)!.add(h);
  sync();
  return () => {
    handlers.get(type)?.delete(h);
    sync();
  };
}

/** Closes the stream (logout: the next subscriber opens a new one with the new session). */
export function closeEvents(): void {
  source?.close();
  source = null;
  sourceTypes = '';
}

export function useEvent(types: string[], handler: (type: string, data: unknown) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  const key = types.join(',');
  useEffect(() => {
    const offs = key.split(',').map((t) => subscribe(t, (d) => ref.current(t, d)));
    return () => offs.forEach((o) => o());
  }, [key]);
}
