// Reading what a load-generating SIPp did: its -trace_stat CSV (one row per -fd period, ';'
// separated, a header row naming the counters; (C) = cumulative, (P) = this period) and the
// <log> lines of the benchmark's scenarios. Pure.

/** One row of the -trace_stat file, the counters the benchmarks use. */
export interface SippStatRow {
  /** ElapsedTime(C) in seconds. */
  elapsedSeconds: number;
  /** Calls SIPp created (OutgoingCall(C) + IncomingCall(C)). */
  created: number;
  /** Calls in progress at the time of the row. */
  current: number;
  successful: number;
  failed: number;
}

export interface SippStats {
  rows: SippStatRow[];
  /** The last row: the cumulative counts once SIPp is done. */
  final: SippStatRow;
  /** The most calls in progress at once (over the rows). */
  peakCurrent: number;
}

/** "00:01:02:345000" or "00:01:02" -> seconds. */
export function parseSippDuration(s: string): number {
  const parts = s.trim().split(':').map(Number);
  if (parts.length < 3 || parts.some((p) => !Number.isFinite(p))) return NaN;
  const [h, m, sec, usec = 0] = parts as [number, number, number, number?];
  return h * 3600 + m * 60 + sec + usec / 1e6;
}

export function parseSippStatCsv(text: string): SippStats {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('SIPp statistics file has no data row');
  const header = lines[0]!.split(';');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`SIPp statistics file has no ${name} column`);
    return i;
  };
  const c = {
    elapsed: col('ElapsedTime(C)'),
    outgoing: col('OutgoingCall(C)'),
    incoming: col('IncomingCall(C)'),
    current: col('CurrentCall'),
    successful: col('SuccessfulCall(C)'),
    failed: col('FailedCall(C)'),
  };
  const rows = lines.slice(1).map((line): SippStatRow => {
    const f = line.split(';');
    const n = (i: number) => Number(f[i]);
    return {
      elapsedSeconds: parseSippDuration(f[c.elapsed] ?? ''),
      created: n(c.outgoing) + n(c.incoming),
      current: n(c.current),
      successful: n(c.successful),
      failed: n(c.failed),
    };
  });
  return { rows, final: rows.at(-1)!, peakCurrent: Math.max(...rows.map((r) => r.current)) };
}

/** Ports of the box's media taken from the SDP it answered with (capacity-uac.xml logs `BOXPORT <port>`). */
export function boxPortsFromLog(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.matchAll(/^BOXPORT (\d+)\s*$/gm)) out.add(Number(m[1]));
  return out;
}
