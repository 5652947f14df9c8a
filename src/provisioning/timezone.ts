// Time zones as phones want them: every vendor has its own form (a UTC offset, a POSIX TZ
// string, an offset in seconds with DST rules, an Olson name). Derived from Node's ICU data
// for one fixed reference year, so rendering stays pure and repeatable (no clock is read).

/** A DST transition as POSIX writes it: month 1-12, week 1-5 (5 = last), weekday 0-6 (Sunday 0), local hour. */
export interface DstTransition {
  month: number;
  week: number;
  weekday: number;
  hour: number;
}

export interface TimezoneInfo {
  /** Olson name (Europe/Rome). */
  name: string;
  /** Standard time offset from UTC in seconds (east positive): 3600 for Europe/Rome. */
  offsetSeconds: number;
  /** Standard offset in hours as vendors write it: +1, -5, +5.5. */
  offsetHours: string;
  /** GMT+01:00 (Cisco). */
  gmt: string;
  /** POSIX TZ string: <+01>-1<+02>,M3.5.0/2,M10.5.0/3. */
  posix: string;
  /** Absent where the zone keeps one offset all year. */
  dst?: { offsetSeconds: number; savingSeconds: number; start: DstTransition; end: DstTransition };
}

/** The year the rules are read from. Rules rarely change; a new one comes with a new release. */
const REFERENCE_YEAR = 2026;
const cache = new Map<string, TimezoneInfo>();

function formatter(tz: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** Offset from UTC (seconds, east positive) of `tz` at the instant `ms`. */
function offsetAt(fmt: Intl.DateTimeFormat, ms: number): number {
  const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((local - Math.floor(ms / 1000) * 1000) / 1000);
}

function hours(seconds: number): string {
  const h = seconds / 3600;
  return `${h >= 0 ? '+' : ''}${Number.isInteger(h) ? h : h.toFixed(2).replace(/0$/, '')}`;
}

function hhmm(seconds: number): string {
  const a = Math.abs(seconds);
  return `${seconds < 0 ? '-' : '+'}${String(Math.floor(a / 3600)).padStart(2, '0')}:${String(Math.floor((a % 3600) / 60)).padStart(2, '0')}`;
}

/** POSIX writes offsets west-positive: CET is -1. */
function posixOffset(seconds: number): string {
  const a = Math.abs(seconds);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  return `${seconds > 0 ? '-' : ''}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

function posixName(seconds: number): string {
  return `<${hhmm(seconds).replace(':00', '').replace(':', '')}>`;
}

/** The transition at instant `ms` (UTC), as the local wall-clock time before it. */
function transition(ms: number, offsetBefore: number): DstTransition {
  const local = new Date(ms + offsetBefore * 1000);
  const day = local.getUTCDate();
  const month = local.getUTCMonth();
  const daysInMonth = new Date(Date.UTC(REFERENCE_YEAR, month + 1, 0)).getUTCDate();
  return { month: month + 1, week: day + 7 > daysInMonth ? 5 : Math.ceil(day / 7), weekday: local.getUTCDay(), hour: local.getUTCHours() };
}

/** Instants (UTC ms) in the reference year where the offset changes, to the hour. */
function transitions(fmt: Intl.DateTimeFormat): { at: number; before: number; after: number }[] {
  const out: { at: number; before: number; after: number }[] = [];
  const start = Date.UTC(REFERENCE_YEAR, 0, 1);
  let prev = offsetAt(fmt, start);
  for (let d = 1; d <= 366; d++) {
    const t = start + d * 86_400_000;
    const off = offsetAt(fmt, t);
    if (off === prev) continue;
    // The change happened during the previous day: find the hour.
    let h = t - 86_400_000;
    while (offsetAt(fmt, h + 3_600_000) === prev) h += 3_600_000;
    out.push({ at: h + 3_600_000, before: prev, after: off });
    prev = off;
  }
  return out;
}

/** What phones need to know about `name`; an unknown zone is UTC. */
export function timezoneInfo(name: string): TimezoneInfo {
  const cached = cache.get(name);
  if (cached) return cached;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = formatter(name);
  } catch {
    return name === 'UTC' ? utc() : { ...timezoneInfo('UTC'), name };
  }
  const changes = transitions(fmt);
  let info: TimezoneInfo;
  if (changes.length !== 2) {
    const off = offsetAt(fmt, Date.UTC(REFERENCE_YEAR, 0, 15));
    info = { name, offsetSeconds: off, offsetHours: hours(off), gmt: `GMT${hhmm(off)}`, posix: `${posixName(off)}${posixOffset(off)}` };
  } else {
    // The change that moves clocks forward starts summer time (southern zones: in spring, late in the year).
    const [a, b] = changes as [(typeof changes)[0], (typeof changes)[0]];
    const start = a.after > a.before ? a : b;
    const end = start === a ? b : a;
    const std = start.before;
    const dst = start.after;
    const s = transition(start.at, start.before);
    const e = transition(end.at, end.before);
    const rule = (t: DstTransition) => `M${t.month}.${t.week}.${t.weekday}${t.hour === 2 ? '' : `/${t.hour}`}`;
    info = {
      name,
      offsetSeconds: std,
      offsetHours: hours(std),
      gmt: `GMT${hhmm(std)}`,
      posix: `${posixName(std)}${posixOffset(std)}${posixName(dst)},${rule(s)},${rule(e)}`,
      dst: { offsetSeconds: dst, savingSeconds: dst - std, start: s, end: e },
    };
  }
  cache.set(name, info);
  return info;
}

function utc(): TimezoneInfo {
  return { name: 'UTC', offsetSeconds: 0, offsetHours: '+0', gmt: 'GMT+00:00', posix: '<+00>0' };
}
