// Placeholder: filled by its part of issue 8.
import type { BenchContext } from '../lib/context.ts';
import type { ApplyResult } from '../lib/results.ts';

export async function applyAtScale(_ctx: BenchContext): Promise<ApplyResult> {
  throw new Error('not written yet');
}
