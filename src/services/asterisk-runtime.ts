// What the services that work on Asterisk at run time (conferences, queues, switches, the state
// of extensions) share: a 503 while Asterisk is not connected, and a 503 naming the request when
// Asterisk fails one. The box's own errors (404, 409, ...) pass unchanged.
import { PbxError, UnavailableError } from '../domain/errors.ts';

export interface AsteriskGate {
  /** Throws UnavailableError unless Asterisk is connected. */
  require(): void;
  /** Runs a request to Asterisk (`what`: "list the participants"); its failure is an UnavailableError. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * The gate of a service whose state or actions live in Asterisk. `livesThere` ends the message
 * without a connection ("conferences run there"). `runtime.ready` is read at each call.
 */
export function asteriskGate(runtime: { readonly ready: boolean }, livesThere: string): AsteriskGate {
  return {
    require() {
      if (!runtime.ready) throw new UnavailableError(`Asterisk is not connected: ${livesThere}`);
    },
    async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof PbxError) throw err;
        throw new UnavailableError(`Asterisk did not ${what}: ${(err as Error).message}`);
      }
    },
  };
}
