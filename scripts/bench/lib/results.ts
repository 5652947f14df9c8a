// The shape of one benchmark run, written as JSON under bench/results/ (full runs) or
// build/bench-smoke/ (the smoke run of `make test`). Every measured number is a Figure: a value
// with its unit, so the JSON reads on its own. docs/performance.md is generated from this.

export interface Figure {
  value: number;
  unit: Unit;
  /** How it was measured, when the name alone does not say. */
  note?: string;
}

export type Unit = 'ms' | 's' | 'calls' | 'calls/s' | 'req/s' | 'files/s' | 'rows/s' | 'bytes' | 'percent' | 'ratio' | 'packets' | 'count' | 'cpu-ms';

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

/** Where the packets the streams miss were lost, over the same window. */
export interface RtpLosses {
  /** Packets the callers sent (short of expected: the load generator fell behind, not the box). */
  callersSent: Figure;
  /** Packets the called side echoed. */
  calleeSent: Figure;
  /**
   * Packets the called side's echo sockets dropped (full buffer), never echoed: its echo threads
   * were not scheduled in time (a load-generator loss), or the box sent a burst after a stall.
   */
  calleeDropped: Figure;
  /** Packets the veth links dropped (a full receive backlog), all four directions. */
  linkDropped: Figure;
  /** Packets the box's sockets dropped (full receive buffer), facing the callers. */
  boxDroppedFromCallers: Figure;
  /** The same, facing the called side. */
  boxDroppedFromCallee: Figure;
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
  rtpLosses?: RtpLosses;
  /** failedPercent < 1 and rtp.deliveredPercent >= 99 and all calls up. */
  intact: boolean;
  /** CPU time Asterisk used over the window (its process, all threads; cpu-ms). */
  asteriskCpu: Figure;
  /** The supervisor (PBX target only): CPU over the whole level, first INVITE to last BYE; its highest RSS then. */
  supervisorCpu?: Figure;
  supervisorRss?: Figure;
  /** From the first INVITE until every call was up (or the harness stopped waiting). */
  setupSeconds?: Figure;
  /** How long the level's first call was held (later ones a little less: they end staggered). */
  holdSeconds?: Figure;
  /**
   * Asterisk's bridges at the window's start, by technology: native_rtp relays the media in the
   * RTP engine, simple_bridge passes every frame through the core (costlier per call).
   */
  bridges?: Record<string, number>;
}

export interface CpsStep {
  rate: number;
  attempted: Figure;
  failed: Figure;
  failedPercent: Figure;
  ok: boolean;
  /** The most calls in progress at once; ok needs it under the -l limit (else SIPp throttled the rate). */
  peakConcurrent?: Figure;
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
  /** From sending the change until Asterisk runs it: the new endpoint (polled over ARI) and its number in the dialplan. */
  live: LatencySummary;
  callsInProgress: Figure;
  callsDropped: Figure;
  /**
   * The endpoint alone (ARI), when `live` also waits for the number in the dialplan: the
   * difference is the dialplan reload that follows the PJSIP one.
   */
  endpoint?: LatencySummary;
  /** The supervisor's start at this size, process start to ready. */
  startToReady?: Figure;
  /** From ready until the supervisor's CPU went quiet; the changes were sent after it (or after its cap). */
  settle?: Figure;
}

export interface ApplyResult {
  sizes: ApplySize[];
  bulk: {
    extensionsBefore: number;
    imported: number;
    /** POST /extensions/bulk answer time (one revision, one apply). */
    apiAnswer: Figure;
    /** Until the first and the last imported extension are live in Asterisk (endpoint and dialplan, as ApplySize.live). */
    live: Figure;
    /** The endpoints alone (ARI), when `live` also waits for the numbers in the dialplan. */
    endpoint?: Figure;
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
  /** The supervisor's start, process start to ready. */
  startToReady?: Figure;
  /** From ready until the supervisor's CPU went quiet; the load started after it (or after its cap). */
  settle?: Figure;
}

// ---- 4. provisioning -----------------------------------------------------------------------

export interface ProvisioningProtocolResult {
  phones: number;
  files: Figure;
  seconds: Figure;
  filesPerSecond: Figure;
  latency: LatencySummary;
  /** Times the `phones` asked at once (files, seconds and latency cover them all). */
  bursts?: number;
  /** CPU the supervisor used over the bursts (its process, all threads): near 1000 ms per second of burst, one core, it is the limit. */
  supervisorCpu?: Figure;
  /** TFTP: packets the client sent again after its timeout (a lost RRQ or ACK costs one timeout of latency). */
  retransmissions?: Figure;
  /** TFTP: datagrams the server's listening socket dropped on a full receive buffer (/proc/net/udp "drops"). */
  serverSocketDrops?: Figure;
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

// ---- LDAP phonebook --------------------------------------------------------------------------

export interface DirectoryResult {
  contacts: number;
  /** The first search after the start: builds the tree of the revision. */
  firstSearch: Figure;
  /** A name typed in lowercase, the vendors' name filter (size limit 50). */
  name: LatencySummary;
  /** A caller's number, the vendors' number filter. */
  number: LatencySummary;
  /** (objectClass=*): 50 entries, then sizeLimitExceeded. */
  sizeLimited: LatencySummary;
}

export type PartName = 'capacity' | 'apply' | 'api' | 'provisioning' | 'footprint' | 'privacy' | 'directory' | 'cdr';
export const PART_NAMES: readonly PartName[] = ['footprint', 'capacity', 'apply', 'api', 'provisioning', 'privacy', 'directory', 'cdr'];

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
    directory?: DirectoryResult;
    /** Encryption at rest of a recording (scripts/bench/parts/privacy.ts). */
    privacy?: import('../parts/privacy.ts').PrivacyResult;
    /** CDR store at 1,000,000 rows: paging, filters, exports (scripts/bench/parts/cdr.ts). */
    cdr?: import('../parts/cdr.ts').CdrBenchResult;
  };
  /** Parts that failed, with why; a run with errors exits non-zero. */
  errors: { part: PartName; message: string }[];
  /** Parts taken from other runs (report.ts --with): the page names each one's run. */
  supplements?: { parts: PartName[]; startedAt: string; commit: string; file: string }[];
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
