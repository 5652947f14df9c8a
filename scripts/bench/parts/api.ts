// Placeholder: filled by its part of issue 8.
import type { BenchContext } from '../lib/context.ts';
import type { ApiResult } from '../lib/results.ts';

export async function apiLatency(_ctx: BenchContext): Promise<ApiResult> {
  throw new Error('not written yet');
}
