// The box's health in one object: each part says whether it is fine and why not. A failing
// part makes the box "unhealthy" (HTTP 503 on /api/v1/health), never a crashed supervisor.
export interface PartHealth {
  ok: boolean;
  [detail: string]: unknown;
}
export interface Health {
  status: 'ok' | 'unhealthy';
  parts: Record<string, PartHealth>;
}

export type HealthSource = () => PartHealth;

export class HealthReporter {
  private readonly sources = new Map<string, HealthSource>();
  register(name: string, source: HealthSource): void {
    this.sources.set(name, source);
  }
  report(): Health {
    const parts: Record<string, PartHealth> = {};
    for (const [name, source] of this.sources) {
      try {
        parts[name] = source();
      } catch (err) {
        parts[name] = { ok: false, error: (err as Error).message };
      }
    }
    return { status: Object.values(parts).every((p) => p.ok) ? 'ok' : 'unhealthy', parts };
  }
}
