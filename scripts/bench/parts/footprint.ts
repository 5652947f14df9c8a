// 5. Footprint: the supervisor's start time and memory when idle with a realistic office
// configuration. Its memory and CPU under call load come from the capacity part.
import { sleep, type BenchContext } from '../lib/context.ts';
import { realisticConfig } from '../lib/model.ts';
import { fig, type CapacityResult, type FootprintResult } from '../lib/results.ts';
import { quantile } from '../lib/stats.ts';
import { startSupervisor } from '../lib/supervisor.ts';

export async function footprint(ctx: BenchContext): Promise<FootprintResult> {
  const extensions = ctx.smoke ? 20 : 1000;
  const config = realisticConfig({ extensions });
  const first = await startSupervisor(ctx, { name: 'footprint', config });
  await first.stop();
  // The boot case: the same data directory, the model already stored.
  const sup = await startSupervisor(ctx, { name: 'footprint', config, ports: first.ports });
  try {
    await sleep(ctx.smoke ? 1000 : 10_000);
    const rss: number[] = [];
    for (let i = 0; i < 5; i++) {
      rss.push(sup.sample()?.rssBytes ?? NaN);
      await sleep(ctx.smoke ? 100 : 1000);
    }
    ctx.log(`footprint: first start ${first.startToReadyMs.toFixed(0)} ms, restart ${sup.startToReadyMs.toFixed(0)} ms, idle RSS ${(quantile(rss.sort((a, b) => a - b), 0.5) / 2 ** 20).toFixed(1)} MiB`);
    return {
      extensions,
      startToReady: fig(Math.round(sup.startToReadyMs), 'ms'),
      firstStartToReady: fig(Math.round(first.startToReadyMs), 'ms'),
      idleRss: fig(quantile(rss, 0.5), 'bytes', 'median of 5 samples, 10 s after ready'),
    };
  } finally {
    await sup.stop();
  }
}

/** The supervisor under the call load: its highest RSS, and its CPU per call at the highest intact level. */
export function loadFootprint(capacity: CapacityResult): Pick<FootprintResult, 'loadRss' | 'cpuPerCall'> {
  const levels = capacity.pbx.levels.filter((l) => l.supervisorRss && l.supervisorCpu);
  if (levels.length === 0) return {};
  const top = [...levels].reverse().find((l) => l.intact) ?? levels.at(-1)!;
  return {
    loadRss: fig(Math.max(...levels.map((l) => l.supervisorRss!.value)), 'bytes', 'highest over every capacity level'),
    cpuPerCall: fig(Math.round((top.supervisorCpu!.value / top.calls) * 100) / 100, 'cpu-ms', `supervisor CPU over the ${top.calls}-call level (setup, ${capacity.setup.holdSeconds} s hold, teardown) per call`),
  };
}
