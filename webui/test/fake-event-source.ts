// A stand-in for the browser's EventSource in component tests: tests install it with
// vi.stubGlobal('EventSource', FakeEventSource) and push events with source().emit(type, data).
export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readonly url: string;
  readyState = FakeEventSource.CONNECTING;
  listeners = new Map<string, ((e: unknown) => void)[]>();
  constructor(url: string) {
    this.url = url;
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: unknown) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  removeEventListener() {}
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(type: string, data?: unknown) {
    if (type === 'open') this.readyState = FakeEventSource.OPEN;
    const e = data === undefined ? { type } : { type, data: JSON.stringify(data) };
    for (const fn of this.listeners.get(type) ?? []) fn(e);
  }
}

/** The stream the page currently listens to (the last one not closed). */
export const source = () => FakeEventSource.instances.filter((s) => s.readyState !== FakeEventSource.CLOSED).at(-1)!;
