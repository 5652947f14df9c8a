// What every benchmark part gets from the runner.
import type { BenchResults } from './results.ts';

export interface BenchContext {
  /** Tiny sizes, a few minutes in all: the harness is exercised, the figures mean nothing. */
  smoke: boolean;
  /** The Debian sid rootfs with Asterisk 22 (PBX_ROOTFS). */
  rootfs: string;
  /** This run's scratch directory (data directories, SIPp files, logs); kept on failure. */
  workDir: string;
  log(message: string): void;
  /** What the parts that ran before produced (the footprint part reads the capacity's load). */
  results: BenchResults['parts'];
}

export type BenchPart<T> = (ctx: BenchContext) => Promise<T>;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
