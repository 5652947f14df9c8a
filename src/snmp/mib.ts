// What the SNMP agent serves: the OIDs of the system group and of PBX-APPLIANCE-MIB
// (rootfs/usr/share/snmp/mibs/PBX-APPLIANCE-MIB.txt), their types, and their values computed
// from one snapshot of the box. Pure: no library, no I/O. A unit test keeps these OIDs equal
// to the MIB file's.
import type { TrunkState } from '../services/status-service.ts';

/**
 * PLACEHOLDER: IANA's Private Enterprise Number for documentation (RFC 5612). It must be
 * replaced by the project's registered PEN (here and in the MIB file) before the box ships.
 */
export const PBX_ENTERPRISE = 32473;
export const PBX_MIB = `1.3.6.1.4.1.${PBX_ENTERPRISE}.1`;
const OBJ = `${PBX_MIB}.1`;
const NOTIF = `${PBX_MIB}.0`;
/** sysObjectID.0 (pbxApplianceProduct). */
export const PBX_PRODUCT = `${PBX_MIB}.3`;
const SYSTEM = '1.3.6.1.2.1.1';

export type SnmpType = 'OctetString' | 'Integer' | 'Gauge' | 'Counter' | 'TimeTicks' | 'OID';
export type SnmpValue = string | number;

export interface ScalarDef {
  name: string;
  /** The object's OID (the instance is `${oid}.0`). */
  oid: string;
  type: SnmpType;
}

export interface ColumnDef {
  name: string;
  number: number;
  type: SnmpType;
}

export interface TableDef {
  /** The entry's name (pbxTrunkEntry); rows are keyed by their first column, the index. */
  name: string;
  /** The entry's OID (the table's OID + .1). */
  oid: string;
  columns: ColumnDef[];
}

export const SCALARS: readonly ScalarDef[] = [
  { name: 'sysDescr', oid: `${SYSTEM}.1`, type: 'OctetString' },
  { name: 'sysObjectID', oid: `${SYSTEM}.2`, type: 'OID' },
  { name: 'sysUpTime', oid: `${SYSTEM}.3`, type: 'TimeTicks' },
  { name: 'sysContact', oid: `${SYSTEM}.4`, type: 'OctetString' },
  { name: 'sysName', oid: `${SYSTEM}.5`, type: 'OctetString' },
  { name: 'sysLocation', oid: `${SYSTEM}.6`, type: 'OctetString' },
  { name: 'sysServices', oid: `${SYSTEM}.7`, type: 'Integer' },
  { name: 'pbxAsteriskRunning', oid: `${OBJ}.1.1`, type: 'Integer' },
  { name: 'pbxAsteriskVersion', oid: `${OBJ}.1.2`, type: 'OctetString' },
  { name: 'pbxAsteriskState', oid: `${OBJ}.1.3`, type: 'OctetString' },
  { name: 'pbxActiveCalls', oid: `${OBJ}.2.1`, type: 'Gauge' },
  { name: 'pbxCallsSinceStart', oid: `${OBJ}.2.2`, type: 'Counter' },
  { name: 'pbxDevicesConfigured', oid: `${OBJ}.3.1`, type: 'Gauge' },
  { name: 'pbxDevicesRegistered', oid: `${OBJ}.3.2`, type: 'Gauge' },
  { name: 'pbxTrunkCount', oid: `${OBJ}.4.1`, type: 'Gauge' },
  { name: 'pbxQueueCount', oid: `${OBJ}.5.1`, type: 'Gauge' },
  { name: 'pbxSipAuthFailures', oid: `${OBJ}.6.1`, type: 'Counter' },
  { name: 'pbxFirmwareSlotAVersion', oid: `${OBJ}.7.1`, type: 'OctetString' },
  { name: 'pbxFirmwareSlotBVersion', oid: `${OBJ}.7.2`, type: 'OctetString' },
  { name: 'pbxFirmwareActiveSlot', oid: `${OBJ}.7.3`, type: 'OctetString' },
  { name: 'pbxHaRole', oid: `${OBJ}.8.1`, type: 'OctetString' },
  { name: 'pbxDiskTotalMBytes', oid: `${OBJ}.9.1`, type: 'Gauge' },
  { name: 'pbxDiskFreeMBytes', oid: `${OBJ}.9.2`, type: 'Gauge' },
  { name: 'pbxDiskUsedPercent', oid: `${OBJ}.9.3`, type: 'Gauge' },
  { name: 'pbxCpuLoadPercent', oid: `${OBJ}.9.4`, type: 'Gauge' },
  { name: 'pbxLoadAverage1', oid: `${OBJ}.9.5`, type: 'Gauge' },
];

export const TRUNK_TABLE: TableDef = {
  name: 'pbxTrunkEntry',
  oid: `${OBJ}.4.2.1`,
  columns: [
    { name: 'pbxTrunkIndex', number: 1, type: 'Integer' },
    { name: 'pbxTrunkName', number: 2, type: 'OctetString' },
    { name: 'pbxTrunkType', number: 3, type: 'Integer' },
    { name: 'pbxTrunkState', number: 4, type: 'Integer' },
  ],
};

export const QUEUE_TABLE: TableDef = {
  name: 'pbxQueueEntry',
  oid: `${OBJ}.5.2.1`,
  columns: [
    { name: 'pbxQueueIndex', number: 1, type: 'Integer' },
    { name: 'pbxQueueName', number: 2, type: 'OctetString' },
    { name: 'pbxQueueWaitingCallers', number: 3, type: 'Gauge' },
    { name: 'pbxQueueLongestWait', number: 4, type: 'Gauge' },
    { name: 'pbxQueueMembersLoggedIn', number: 5, type: 'Gauge' },
  ],
};

export const TABLES: readonly TableDef[] = [TRUNK_TABLE, QUEUE_TABLE];

export const NOTIFICATIONS = {
  pbxAsteriskDown: `${NOTIF}.1`,
  pbxAsteriskUp: `${NOTIF}.2`,
  pbxTrunkDown: `${NOTIF}.3`,
  pbxTrunkUp: `${NOTIF}.4`,
  pbxDiskNearlyFull: `${NOTIF}.5`,
  pbxHaSwitchover: `${NOTIF}.6`,
} as const;
export type NotificationName = keyof typeof NOTIFICATIONS;

/** The MIB's enumerations (pbxTrunkType, pbxTrunkState). */
export const TRUNK_TYPE_VALUES = { register: 1, ip: 2 } as const;
export const TRUNK_STATE_VALUES: Record<TrunkState, number> = { registered: 1, unregistered: 2, rejected: 3, reachable: 4, unreachable: 5, unknown: 6 };

/** Everything the agent answers, gathered at one moment (src/main.ts fills it). */
export interface PbxSnapshot {
  system: { descr: string; name: string; location: string; contact: string };
  /** Hundredths of a second since the supervisor started (sysUpTime, and the traps' own). */
  uptimeTicks: number;
  asterisk: { state: string; running: boolean; version: string };
  calls: { active: number; sinceStart: number };
  devices: { configured: number; registered: number };
  trunks: { name: string; type: 'register' | 'ip'; state: TrunkState }[];
  queues: { name: string; waiting: number; longestWaitSeconds: number; members: number }[];
  sipAuthFailures: number;
  /** Empty strings until the firmware slots exist (see docs/snmp.md). */
  firmware: { slotA: string; slotB: string; active: string };
  /** 'unknown' until HA exists. */
  haRole: string;
  host: {
    disk: { totalBytes: number; usedBytes: number; availableBytes: number } | null;
    cpuPercent: number;
    load1: number;
  };
}

const MIB = 1024 * 1024;
const U32 = 2 ** 32;
const gauge = (n: number) => (Number.isFinite(n) ? Math.min(U32 - 1, Math.max(0, Math.round(n))) : 0);
/** Counter32 wraps at 2^32 (RFC 2578 §7.1.6). */
const counter = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) % U32 : 0);
const text = (s: string, max: number) => Buffer.from(s, 'utf8').subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');

/** Share of the filesystem in use as df counts it (reserved blocks excluded); undefined without a disk. */
export function diskUsedPercent(disk: PbxSnapshot['host']['disk']): number | undefined {
  if (!disk) return undefined;
  const base = disk.usedBytes + disk.availableBytes;
  return base > 0 ? Math.ceil((disk.usedBytes / base) * 100) : 0;
}

/** Every scalar's value by name. */
export function scalarValues(s: PbxSnapshot): Record<string, SnmpValue> {
  const disk = s.host.disk;
  return {
    sysDescr: text(s.system.descr, 255),
    sysObjectID: PBX_PRODUCT,
    sysUpTime: counter(s.uptimeTicks),
    sysContact: text(s.system.contact, 255),
    sysName: text(s.system.name, 255),
    sysLocation: text(s.system.location, 255),
    // Application (64) + end-to-end (8): a host offering an application service.
    sysServices: 72,
    pbxAsteriskRunning: s.asterisk.running ? 1 : 2,
    pbxAsteriskVersion: text(s.asterisk.version, 64),
    pbxAsteriskState: text(s.asterisk.state, 16),
    pbxActiveCalls: gauge(s.calls.active),
    pbxCallsSinceStart: counter(s.calls.sinceStart),
    pbxDevicesConfigured: gauge(s.devices.configured),
    pbxDevicesRegistered: gauge(s.devices.registered),
    pbxTrunkCount: gauge(s.trunks.length),
    pbxQueueCount: gauge(s.queues.length),
    pbxSipAuthFailures: counter(s.sipAuthFailures),
    pbxFirmwareSlotAVersion: text(s.firmware.slotA, 64),
    pbxFirmwareSlotBVersion: text(s.firmware.slotB, 64),
    pbxFirmwareActiveSlot: text(s.firmware.active, 8),
    pbxHaRole: text(s.haRole, 16),
    pbxDiskTotalMBytes: gauge(disk ? disk.totalBytes / MIB : 0),
    pbxDiskFreeMBytes: gauge(disk ? disk.availableBytes / MIB : 0),
    pbxDiskUsedPercent: gauge(diskUsedPercent(disk) ?? 0),
    pbxCpuLoadPercent: gauge(s.host.cpuPercent),
    pbxLoadAverage1: gauge(s.host.load1 * 100),
  };
}

/** The rows of each table by the entry's name, index first, in the configuration's order. */
export function tableRows(s: PbxSnapshot): Record<string, SnmpValue[][]> {
  return {
    [TRUNK_TABLE.name]: s.trunks.map((t, i) => [i + 1, text(t.name, 64), TRUNK_TYPE_VALUES[t.type], TRUNK_STATE_VALUES[t.state]]),
    [QUEUE_TABLE.name]: s.queues.map((q, i) => [i + 1, text(q.name, 64), gauge(q.waiting), gauge(q.longestWaitSeconds), gauge(q.members)]),
  };
}

/** An OID and value as a trap carries it. */
export interface TrapVarbind {
  oid: string;
  type: SnmpType;
  value: SnmpValue;
}

export interface Trap {
  name: NotificationName;
  oid: string;
  varbinds: TrapVarbind[];
}

function scalarBind(name: string, value: SnmpValue): TrapVarbind {
  const def = SCALARS.find((d) => d.name === name);
  if (!def) throw new Error(`no scalar ${name}`);
  return { oid: `${def.oid}.0`, type: def.type, value };
}

/** The traps of PBX-APPLIANCE-MIB with their OBJECTS (instances as the agent serves them). */
export const traps = {
  asteriskDown: (state: string): Trap => ({ name: 'pbxAsteriskDown', oid: NOTIFICATIONS.pbxAsteriskDown, varbinds: [scalarBind('pbxAsteriskState', text(state, 16))] }),
  asteriskUp: (state: string): Trap => ({ name: 'pbxAsteriskUp', oid: NOTIFICATIONS.pbxAsteriskUp, varbinds: [scalarBind('pbxAsteriskState', text(state, 16))] }),
  trunk: (up: boolean, index: number, name: string, state: TrunkState): Trap => ({
    name: up ? 'pbxTrunkUp' : 'pbxTrunkDown',
    oid: up ? NOTIFICATIONS.pbxTrunkUp : NOTIFICATIONS.pbxTrunkDown,
    varbinds: [
      { oid: `${TRUNK_TABLE.oid}.2.${index}`, type: 'OctetString', value: text(name, 64) },
      { oid: `${TRUNK_TABLE.oid}.4.${index}`, type: 'Integer', value: TRUNK_STATE_VALUES[state] },
    ],
  }),
  diskNearlyFull: (usedPercent: number, freeBytes: number): Trap => ({
    name: 'pbxDiskNearlyFull',
    oid: NOTIFICATIONS.pbxDiskNearlyFull,
    varbinds: [scalarBind('pbxDiskUsedPercent', gauge(usedPercent)), scalarBind('pbxDiskFreeMBytes', gauge(freeBytes / MIB))],
  }),
  haSwitchover: (role: string): Trap => ({ name: 'pbxHaSwitchover', oid: NOTIFICATIONS.pbxHaSwitchover, varbinds: [scalarBind('pbxHaRole', text(role, 16))] }),
};
