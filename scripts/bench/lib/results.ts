// The shape of one benchmark run, written as JSON under bench/results/ (full runs) or
// build/bench-smoke/ (the smoke run of `make test`). Every measured number is a Figure: a value
// with its unit, so the JSON reads on its own. docs/performance.md is generated from this.

export interface Figure {
  value: number;
  unit: Unit;
  /** How it was measured, when the name alone does not say. */
  note?: string;
}

export type Unit = 'ms' | 's' | 'calls' | 'calls/s' | 'req/s' | 'files/s' | 'bytes' | 'percent' | 'ratio' | 'packets' | 'count' | 'cpu-ms';

export const fig = (value: number, unit: Unit, note?: string): Figure => (note ? { value, unit, note } : { value, unit });

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  os: string;
}

export interface Versions {
  product: string;
  node: string;
  asterisk: string;
  sipp: string;
  /** git commit of the tree measured (with "-dirty" when it had changes). */
  commit: string;
}

/** Latency of a set of requests. */
export interface LatencySummary {
  requests: Figure;
  errors: Figure;
  p50: Figure;
  p90: Figure;
  p99: Figure;
  max: Figure;
  throughput: Figure;
}

// ---- 1. call capacity ----------------------------------------------------------------------

/** Packets that arrived, per RTP stream of the relayed calls, over the measuring window. */
export interface RtpStreams {
  /** Expected per stream: 50 packets/s × calls × window seconds. */
  expectedPerStream: Figure;
  callerToBox: Figure;
  boxToCallee: Figure;
  calleeToBox: Figure;
  boxToCaller: Figure;
  /** The worst stream, as a percentage of expected. */
  deliveredPercent: Figure;
}

export interface CapacityLevel {
  /** Simultaneous calls asked for. */
  calls: number;
  attempted: Figure;
  failed: Figure;
  failedPercent: Figure;
  /** Calls up (channels / 2) at the start and end of the window. */
  concurrentAtStart: Figure;
  concurrentAtEnd: Figure;
  windowSeconds: Figure;
  rtp: RtpStreams;
  /** failedPercent < 1 and rtp.deliveredPercent >= 99 and all calls up. */
  intact: boolean;
  /** CPU seconds Asterisk used over the window (its process and threads). */
  asteriskCpu: Figure;
  /** The supervisor (PBX target only): CPU over the whole level, first INVITE to last BYE; its highest RSS then. */
  supervisorCpu?: Figure;
  supervisorRss?: Figure;
}

export interface CpsStep {
  rate: number;
  attempted: Figure;
  failed: Figure;
  failedPercent: Figure;
  ok: boolean;
}

export interface CapacityTarget {
  levels: CapacityLevel[];
  /** The highest level that was intact (0 when none was). */
  maxIntactCalls: Figure;
  cpsSteps: CpsStep[];
  /** The highest rate with under 1% failed calls. */
  sustainedCps: Figure;
}

export interface CapacityResult {
  setup: {
    holdSeconds: number;
    windowSeconds: number;
    setupRate: number;
    codec: 'PCMU';
    packetMs: 20;
    extensions: number;
    trunks: number;
    lcrRules: number;
    /** What the box-under-test config has that bare Asterisk lacks, in words. */
    description: string;
  };
  pbx: CapacityTarget;
  bare: CapacityTarget;
  /** pbx.maxIntactCalls / bare.maxIntactCalls. */
  ratio: Figure;
  cpsRatio: Figure;
}

// ---- 2. apply at scale ---------------------------------------------------------------------

export interface ApplySize {
  extensions: number;
  /** Client time of POST /extensions (commit + apply; the API answers after the apply). */
  apiAnswer: LatencySummary;
  /** From sending the change to Asterisk showing the new endpoint (polled over ARI). */
  live: LatencySummary;
  callsInProgress: Figure;
  callsDropped: Figure;
}

export interface ApplyResult {
  sizes: ApplySize[];
  bulk: {
    extensionsBefore: number;
    imported: number;
    /** POST /extensions/bulk answer time (one revision, one apply). */
    apiAnswer: Figure;
    /** Until the last imported endpoint is live in Asterisk. */
    live: Figure;
    callsInProgress: Figure;
    callsDropped: Figure;
  };
}

// ---- 3. API latency ------------------------------------------------------------------------

export interface ApiResult {
  extensions: number;
  connections: number;
  durationSeconds: number;
  list: LatencySummary;
  get: LatencySummary;
  /** Creates wait for their apply (the API answers after Asterisk took the change). */
  create: LatencySummary;
}

// ---- 4. provisioning -----------------------------------------------------------------------

export interface ProvisioningProtocolResult {
  phones: number;
  files: Figure;
  seconds: Figure;
  filesPerSecond: Figure;
  latency: LatencySummary;
}

export interface ProvisioningResult {
  http: ProvisioningProtocolResult;
  tftp: ProvisioningProtocolResult;
}

// ---- 5. footprint --------------------------------------------------------------------------

export interface FootprintResult {
  extensions: number;
  /** Process start to GET /api/v1/health answering ok (Asterisk up, config applied), on a restart. */
  startToReady: Figure;
  /** The same on the very first start (empty database seeded from the initial configuration). */
  firstStartToReady: Figure;
  idleRss: Figure;
  /** The highest supervisor RSS seen under the call-capacity load (from the capacity part). */
  loadRss?: Figure;
  /** Supervisor CPU per call at the highest intact level (from the capacity part). */
  cpuPerCall?: Figure;
}

export type PartName = 'capacity' | 'apply' | 'api' | 'provisioning' | 'footprint';
export const PART_NAMES: readonly PartName[] = ['footprint', 'capacity', 'apply', 'api', 'provisioning'];

export interface BenchResults {
  schema: 1;
  kind: 'full' | 'smoke';
  startedAt: string;
  finishedAt: string;
  duration: Figure;
  machine: Machine;
  versions: Versions;
  parts: {
    capacity?: CapacityResult;
    apply?: ApplyResult;
    api?: ApiResult;
    provisioning?: ProvisioningResult;
    footprint?: FootprintResult;
  };
  /** Parts that failed, with why; a run with errors exits non-zero. */
  errors: { part: PartName; message: string }[];
}

/**
 * Every Figure in the tree must be a finite number with a unit; returns the paths that are not.
 * The smoke run checks that figures are produced, never what they are.
 */
export function invalidFigures(value: unknown, path = '$'): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => invalidFigures(v, `${path}[${i}]`));
  const o = value as Record<string, unknown>;
  if ('value' in o && 'unit' in o) {
    return typeof o.value === 'number' && Number.isFinite(o.value) && typeof o.unit === 'string' && o.unit ? [] : [path];
  }
  return Object.entries(o).flatMap(([k, v]) => invalidFigures(v, `${path}.${k}`));
}

/** What a run must contain for its parts: the part present, and no invalid figure anywhere. */
export function resultProblems(r: BenchResults, parts: readonly PartName[]): string[] {
  const problems: string[] = [];
  for (const p of parts) if (!r.parts[p]) problems.push(`part ${p} produced no result`);
  for (const e of r.errors) problems.push(`part ${e.part} failed: ${e.message}`);
  problems.push(...invalidFigures(r.parts).map((p) => `not a figure: ${p}`));
  return problems;
}
