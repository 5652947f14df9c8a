// One EventSource for the whole GUI (the box's SSE stream); components subscribe by event type.
// The browser reconnects by itself; subscribers are told about (re)connection so they can
// refetch what they might have missed.
import { useEffect, useRef } from 'react';

type Handler = (data: unknown) => void;
const handlers = new Map<string, Set<Handler>>();
let source: EventSource | null = null;
const attached = new Set<string>();

function ensure(): EventSource {
  if (source && source.readyState !== EventSource.CLOSED) return source;
  attached.clear();
  source = new EventSource('/api/v1/events');
  source.addEventListener('open', () => dispatch('open', null));
  for (const type of handlers.keys()) attach(type);
  return source;
}

function attach(type: string) {
  if (!source || attached.has(type) || type === 'open') return;
  attached.add(type);
  source.addEventListener(type, (e) => {
    let data: unknown = null;
    try {
      data = JSON.parse((e as MessageEvent<string>).data);
    } catch {
      /* a malformed event is skipped */
    }
    dispatch(type, data);
  });
}

function dispatch(type: string, data: unknown) {
  for (const h of handlers.get(type) ?? []) h(data);
}

export function subscribe(type: string, h: Handler): () => void {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type)!.add(h);
  ensure();
  attach(type);
  return () => {
    handlers.get(type)?.delete(h);
    if ([...handlers.values()].every((s) => s.size === 0)) {
      source?.close();
      source = null;
      attached.clear();
    }
  };
}

/** Closes the stream (logout: the next subscriber opens a new one with the new session). */
export function closeEvents(): void {
  source?.close();
  source = null;
  attached.clear();
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
