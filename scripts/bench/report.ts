// Placeholder: docs/performance.md and its charts from one run's results.
import type { BenchResults } from './lib/results.ts';

export function writePerformanceDoc(_r: BenchResults, _docDir: string, _imageDir: string, _resultsFile: string): string[] {
  return [];
}
