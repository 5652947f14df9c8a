// The API's event stream (server-sent events) as the integration tests read it: with fetch,
// a real HTTP client, keeping every event so a test can wait for the one it expects.
import assert from 'node:assert/strict';
import { waitFor } from './pbx.ts';

export interface SseEvent {
  event: string;
  data: any;
}

export interface EventStream {
  /** Every event received so far, in order. */
  events: SseEvent[];
  /** Waits for an event matching `pred` (one already received counts). */
  next(pred: (e: SseEvent) => boolean, timeoutMs: number, what: string): Promise<SseEvent>;
  /** Resolves when the server ends the stream (or close() aborts it). */
  ended: Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the event stream at `url` (…/api/v1/events?…) with a bearer token. `settleMs`: waits
 * that long after the response before returning, for streams whose subscription is complete
 * only once the first bytes are out.
 */
export async function openEventStream(url: string, bearer: string, opts: { settleMs?: number } = {}): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` }, signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: SseEvent[] = [];
  let buffer = '';
  const pump = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      }
    } catch {
      // aborted
    }
  })();
  if (opts.settleMs) await new Promise((r) => setTimeout(r, opts.settleMs));
  return {
    events,
    async next(pred, timeoutMs, what) {
      let found: SseEvent | undefined;
      await waitFor(() => !!(found = events.find(pred)), timeoutMs, what);
      return found!;
    },
    ended: pump,
    async close() {
      abort.abort();
      await pump;
    },
  };
}
