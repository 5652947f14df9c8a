// The arithmetic of the call-capacity benchmark, pure: which level to try next, how long each
// call of a level is held, and the four RTP streams of a measuring window from kernel counters.
import { fig, type RtpLosses, type RtpStreams } from './results.ts';
import { dropsDelta, type NamespaceSample, type UdpSocket } from './udp-counters.ts';

/** G.711 in 20 ms packets: per stream, per call. */
export const PACKETS_PER_SECOND = 50;
/** Intact: every stream delivered at least this share of its expected packets. */
export const INTACT_DELIVERED_PERCENT = 99;
/** Intact / ok: fewer failed calls than this share. */
export const MAX_FAILED_PERCENT = 1;

// ---- level search ------------------------------------------------------------------------------

export interface LevelPlan {
  /** Levels tried in order while they are intact (geometric). */
  ramp: readonly number[];
  /** Levels tried between the highest intact and the lowest failed one, once one failed. */
  bisectSteps: number;
  /** Bisection levels are multiples of this; no bisection once the gap is this small. */
  granularity: number;
}

export interface TriedLevel {
  calls: number;
  intact: boolean;
}

/**
 * The next level to try, or undefined when done: up the ramp while every level is intact, then
 * up to `bisectSteps` levels halving the gap between the highest intact level below the lowest
 * failed one and that failed one.
 */
export function nextLevel(plan: LevelPlan, tried: readonly TriedLevel[]): number | undefined {
  const failed = tried.filter((t) => !t.intact).map((t) => t.calls);
  if (failed.length === 0) return plan.ramp.find((n) => !tried.some((t) => t.calls === n));
  const hi = Math.min(...failed);
  const lo = Math.max(0, ...tried.filter((t) => t.intact && t.calls < hi).map((t) => t.calls));
  const bisections = tried.filter((t) => !plan.ramp.includes(t.calls)).length;
  if (bisections >= plan.bisectSteps || hi - lo <= plan.granularity) return undefined;
  const g = plan.granularity;
  const mid = lo + Math.max(g, Math.round((hi - lo) / 2 / g) * g);
  if (mid >= hi || tried.some((t) => t.calls === mid)) return undefined;
  return mid;
}

/** The highest intact level (0 when none was). */
export function maxIntact(tried: readonly TriedLevel[]): number {
  return Math.max(0, ...tried.filter((t) => t.intact).map((t) => t.calls));
}

// ---- holding a level's calls -------------------------------------------------------------------

export interface HoldTiming {
  /** calls/s at which SIPp places the level's calls. */
  setupRate: number;
  /** calls/s at which they end (their holds are staggered so). */
  teardownRate: number;
  settleSeconds: number;
  windowSeconds: number;
  /** After the window, before the first call ends. */
  marginSeconds: number;
}

export interface HoldSchedule {
  /** Hold of call i (ms from its answer to its BYE), in placing order. */
  holdsMs: number[];
  /** From the first INVITE: the harness waits this long at most for every call to be up. */
  setupLimitMs: number;
}

/**
 * Holds such that every call of the level is still up when a window that starts `settle` after
 * the setup limit ends (plus a margin), while the calls end staggered at `teardownRate` right
 * after, not all at once and not one setup time later. Call i is placed about i/setupRate after
 * the first; it ends at about setupLimit + settle + window + margin + i/teardownRate.
 */
export function holdSchedule(calls: number, t: HoldTiming): HoldSchedule {
  const setupSeconds = calls / t.setupRate;
  // The box may answer slower than the calls are placed; past this the window starts anyway.
  const setupLimitSeconds = 1.1 * setupSeconds + 2;
  const firstEnd = setupLimitSeconds + t.settleSeconds + t.windowSeconds + t.marginSeconds;
  const holdsMs = Array.from({ length: calls }, (_, i) => Math.round((firstEnd + i / t.teardownRate - i / t.setupRate) * 1000));
  return { holdsMs, setupLimitMs: Math.round(setupLimitSeconds * 1000) };
}

// ---- RTP streams of a window --------------------------------------------------------------------

/** Kernel counters at one end of a measuring window. */
export interface WindowCounters {
  /** When they were read (ms; the middle of the reads). */
  at: number;
  /** The callers' namespace. */
  uac: NamespaceSample;
  /** The called side's namespace. */
  uas: NamespaceSample;
  /** The host's (the box's sockets among them, the host ends of the veth pairs). */
  host: NamespaceSample;
}

export interface WindowInputs {
  calls: number;
  start: WindowCounters;
  end: WindowCounters;
  /** The callers' SIPp media socket (-mp): every stream is sent from it, nothing reads it. */
  uacMediaPort: number;
  /** The called side's echo sockets (-mp and -mp + 2 of each echo process). */
  uasMediaPorts: readonly number[];
  /** The box's RTP port range (its even ports carry RTP, odd ones RTCP). */
  boxRtp: readonly [number, number];
  /** The box's RTP ports that face the callers (from its SDP answers); the others face the called side. */
  callerLegPorts: ReadonlySet<number>;
  /** Inodes of Asterisk's sockets: other processes' sockets in the range (an ephemeral port) are left out. */
  boxSocketInodes?: ReadonlySet<number>;
  /** The veth pairs' ends: in the callers' and called side's namespaces, and on the host. */
  links: { uacNs: string; uacHost: string; uasNs: string; uasHost: string };
}

/**
 * The four streams of the relayed calls over the window, from kernel counters. Δ = end − start.
 *
 *   expected per stream = 50 × calls × window seconds
 *   callerToBox = Δ OutDatagrams(callers' ns) − Δ tx_dropped(callers' veth end)
 *                 − Δ drops(box sockets facing the callers)            what the box took in
 *   boxToCallee = Δ InDatagrams(called side's ns) + Δ drops(its echo sockets)  arrived there
 *   calleeToBox = Δ OutDatagrams(called side's ns) − Δ tx_dropped(its veth end)
 *                 − Δ drops(box sockets facing the called side)
 *   boxToCaller = Δ drops(callers' media socket)                         arrived there
 *
 * The callers' SIPp never reads its media socket: once its buffer is full (the harness waits
 * for that) every arriving packet is dropped and counted, so its drops are the arrivals. The
 * echo sockets are read: arrivals are reads (InDatagrams) plus drops. RTCP goes to the odd port
 * next to each media port, where nothing listens (NoPorts, counted nowhere above), and SIP is
 * not exchanged inside a window (no call starts or ends in it), so the namespace-wide In/Out
 * counters are RTP. The box's sockets are told apart by port: even ports of its range, facing
 * the callers when its SDP answer to a caller named them.
 */
export function rtpStreams(w: WindowInputs): { streams: RtpStreams; losses: RtpLosses } {
  const { start: a, end: b } = w;
  const seconds = (b.at - a.at) / 1000;
  const expected = PACKETS_PER_SECOND * w.calls * seconds;
  const one = (p: number) => new Set([p]);

  const callersSent = b.uac.udp.OutDatagrams - a.uac.udp.OutDatagrams;
  const calleeSent = b.uas.udp.OutDatagrams - a.uas.udp.OutDatagrams;
  const calleeDropped = dropsDelta(a.uas.sockets, b.uas.sockets, new Set(w.uasMediaPorts));
  const boxToCallee = b.uas.udp.InDatagrams - a.uas.udp.InDatagrams + calleeDropped;
  const boxToCaller = dropsDelta(a.uac.sockets, b.uac.sockets, one(w.uacMediaPort));

  const [lo, hi] = w.boxRtp;
  const boxSocket = (s: UdpSocket) => s.localPort >= lo && s.localPort <= hi && s.localPort % 2 === 0 && (!w.boxSocketInodes || w.boxSocketInodes.has(s.inode));
  const boxSockets = (x: NamespaceSample) => x.sockets.filter(boxSocket);
  const rtpPorts = new Set(boxSockets(a.host).map((s) => s.localPort));
  const facingCallers = new Set([...rtpPorts].filter((p) => w.callerLegPorts.has(p)));
  const facingCallee = new Set([...rtpPorts].filter((p) => !w.callerLegPorts.has(p)));
  const fromCallers = dropsDelta(boxSockets(a.host), boxSockets(b.host), facingCallers);
  const fromCallee = dropsDelta(boxSockets(a.host), boxSockets(b.host), facingCallee);

  // tx_dropped of a veth end: packets its peer never got.
  const txDrop = (x: NamespaceSample, y: NamespaceSample, dev: string) => (y.interfaces.get(dev)?.txDropped ?? 0) - (x.interfaces.get(dev)?.txDropped ?? 0);
  const linkFromCallers = txDrop(a.uac, b.uac, w.links.uacNs);
  const linkFromCallee = txDrop(a.uas, b.uas, w.links.uasNs);
  const linkDropped = linkFromCallers + linkFromCallee + txDrop(a.host, b.host, w.links.uacHost) + txDrop(a.host, b.host, w.links.uasHost);

  const callerToBox = callersSent - linkFromCallers - fromCallers;
  const calleeToBox = calleeSent - linkFromCallee - fromCallee;
  const worst = Math.min(callerToBox, boxToCallee, calleeToBox, boxToCaller);
  const pct = (v: number) => (expected > 0 ? Math.round((v / expected) * 10000) / 100 : 0);
  return {
    streams: {
      expectedPerStream: fig(Math.round(expected), 'packets', `${PACKETS_PER_SECOND}/s × ${w.calls} calls × ${seconds.toFixed(2)} s`),
      callerToBox: fig(callerToBox, 'packets', `${pct(callerToBox)} % of expected`),
      boxToCallee: fig(boxToCallee, 'packets', `${pct(boxToCallee)} % of expected`),
      calleeToBox: fig(calleeToBox, 'packets', `${pct(calleeToBox)} % of expected`),
      boxToCaller: fig(boxToCaller, 'packets', `${pct(boxToCaller)} % of expected`),
      deliveredPercent: fig(pct(worst), 'percent', 'the worst of the four streams'),
    },
    losses: {
      callersSent: fig(callersSent, 'packets', `${pct(callersSent)} % of expected`),
      calleeSent: fig(calleeSent, 'packets', `${pct(calleeSent)} % of expected`),
      calleeDropped: fig(calleeDropped, 'packets', 'echo sockets full: echo threads late, or a burst from the box'),
      linkDropped: fig(linkDropped, 'packets'),
      boxDroppedFromCallers: fig(fromCallers, 'packets'),
      boxDroppedFromCallee: fig(fromCallee, 'packets'),
    },
  };
}

/** The level's verdict: few failed calls, all calls up at both ends of the window, every stream ≥ 99 %. */
export function levelIntact(o: { calls: number; failedPercent: number; deliveredPercent: number; concurrentAtStart: number; concurrentAtEnd: number }): boolean {
  return o.failedPercent < MAX_FAILED_PERCENT && o.deliveredPercent >= INTACT_DELIVERED_PERCENT && o.concurrentAtStart >= o.calls && o.concurrentAtEnd >= o.calls;
}
