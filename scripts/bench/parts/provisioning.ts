// Placeholder: filled by its part of issue 8.
import type { BenchContext } from '../lib/context.ts';
import type { ProvisioningResult } from '../lib/results.ts';

export async function provisioning(_ctx: BenchContext): Promise<ProvisioningResult> {
  throw new Error('not written yet');
}
