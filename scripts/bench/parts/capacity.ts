// Placeholder: filled by its part of issue 8.
import type { BenchContext } from '../lib/context.ts';
import type { CapacityResult } from '../lib/results.ts';

export async function capacity(_ctx: BenchContext): Promise<CapacityResult> {
  throw new Error('not written yet');
}
