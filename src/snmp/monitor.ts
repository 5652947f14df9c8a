// When the agent sends a trap, and the two counters it serves. Pure: fed by the adapter and
// main.ts with supervisor events, AMI events and snapshots; it decides, the caller sends.
import type { TrunkState } from '../services/status-service.ts';
import { diskUsedPercent, traps, type PbxSnapshot, type Trap } from './mib.ts';

/** Disk use must fall this many points below the threshold before the trap is armed again. */
export const DISK_HYSTERESIS_POINTS = 5;

const UP_STATES: ReadonlySet<TrunkState> = new Set(['registered', 'reachable']);
const DOWN_STATES: ReadonlySet<TrunkState> = new Set(['unregistered', 'rejected', 'unreachable']);

/**
 * Turns changes into traps. Invariants: a trap is sent on a change, never repeated while the
 * condition lasts; `unknown` (Asterisk not answering, a trunk not qualified) is no change; a
 * trunk's first known state is its baseline (no trap), and the baselines are forgotten when
 * Asterisk exits, so a restart of Asterisk does not look like every trunk failing.
 */
export class TrapMonitor {
  private readonly send: (trap: Trap) => void;
  private asteriskDown = false;
  private readonly trunks = new Map<string, 'up' | 'down'>();
  private diskRaised = false;

  constructor(send: (trap: Trap) => void) {
    this.send = send;
  }

  /** The supervisor saw the Asterisk process exit; `state` is its state after (failed, stopped). */
  asteriskExited(state: string): void {
    this.trunks.clear();
    if (this.asteriskDown) return;
    this.asteriskDown = true;
    this.send(traps.asteriskDown(state));
  }

  /** The supervisor (re)started Asterisk. Its first start is no change. */
  asteriskStarted(state = 'running'): void {
    if (!this.asteriskDown) return;
    this.asteriskDown = false;
    this.send(traps.asteriskUp(state));
  }

  /** The trunks and the disk now. */
  observe(snapshot: Pick<PbxSnapshot, 'trunks' | 'host'>, diskFullPercent: number): void {
    const present = new Set<string>();
    snapshot.trunks.forEach((t, i) => {
      present.add(t.name);
      const now = UP_STATES.has(t.state) ? 'up' : DOWN_STATES.has(t.state) ? 'down' : undefined;
      if (!now) return;
      const before = this.trunks.get(t.name);
      this.trunks.set(t.name, now);
      if (before && before !== now) this.send(traps.trunk(now === 'up', i + 1, t.name, t.state));
    });
    for (const name of this.trunks.keys()) if (!present.has(name)) this.trunks.delete(name);

    const used = diskUsedPercent(snapshot.host.disk);
    if (used === undefined || !snapshot.host.disk) return;
    if (!this.diskRaised && used >= diskFullPercent) {
      this.diskRaised = true;
      this.send(traps.diskNearlyFull(used, snapshot.host.disk.availableBytes));
    } else if (this.diskRaised && used < diskFullPercent - DISK_HYSTERESIS_POINTS) {
      this.diskRaised = false;
    }
  }

  /** HA changed the box's role (nothing calls this until HA exists). */
  haSwitchover(role: string): void {
    this.send(traps.haSwitchover(role));
  }
}

/** AMI security events that mean a SIP request failed authentication. */
const AUTH_FAILURES = new Set(['invalidaccountid', 'challengeresponsefailed', 'invalidpassword']);

/**
 * pbxCallsSinceStart and pbxSipAuthFailures: counted from AMI events (field names lowercased,
 * as src/asterisk/ami.ts delivers them) since the supervisor started.
 */
export class PbxCounters {
  calls = 0;
  sipAuthFailures = 0;

  onAmiEvent(e: { event?: unknown; [field: string]: unknown }): void {
    const name = String(e.event ?? '').toLowerCase();
    // A call's origin is the channel whose uniqueid is the linkedid (src/calls/call-events.ts).
    if (name === 'newchannel') {
      if (e.uniqueid !== undefined && e.uniqueid === e.linkedid) this.calls++;
    } else if (AUTH_FAILURES.has(name) && String(e.service ?? '').toUpperCase() === 'PJSIP') {
      this.sipAuthFailures++;
    }
  }
}
