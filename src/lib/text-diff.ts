// Unified diff of two texts (adapter of the `diff` package).
import { createTwoFilesPatch } from 'diff';

export function unifiedDiff(name: string, before: string, after: string): string {
  return createTwoFilesPatch(`running/${name}`, `candidate/${name}`, before, after, undefined, undefined, { context: 3 });
}
