// The call-capacity benchmark's pure pieces: kernel counter parsers (/proc/net/snmp, udp, dev),
// SIPp statistics and log parsing, the level search, the hold schedule, the RTP stream
// arithmetic of a window, the AMI output helpers and the bare Asterisk configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHexEndpoint, parseNetDev, parseProcNetUdp, parseSnmpUdp, dropsDelta, type NamespaceSample, type UdpSocket } from '../../scripts/bench/lib/udp-counters.ts';
import { boxPortsFromLog, parseSippDuration, parseSippStatCsv } from '../../scripts/bench/lib/sipp-stats.ts';
import { holdSchedule, levelIntact, maxIntact, nextLevel, rtpStreams, type LevelPlan, type WindowCounters } from '../../scripts/bench/lib/capacity-math.ts';
import { bridgeTechnologies, callsUp, commandOutput } from '../../scripts/bench/lib/ami-command.ts';
import { bareAsteriskFiles, BARE_MODULES } from '../../scripts/bench/lib/bare-asterisk.ts';
import { staleNamespaces } from '../../scripts/bench/lib/netns.ts';
import { ulawTone } from '../../scripts/bench/parts/capacity.ts';

const SNMP = `Ip: Forwarding DefaultTTL InReceives InHdrErrors
Ip: 2 64 16139266 0
Icmp: InMsgs InErrors
Icmp: 12 0
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 12936328 16746 752609 13683874 752609 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 1 2 3 4 5 6 7 8 9
`;

const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
 2382: 00000000:22B8 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 737207 2 000000001528bf87 0        
15878: 0201C90A:7530 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 739416 2 00000000e280e2d6 2460     
13494: 0100007F:4E20 0101C90A:9C40 01 00000000:00000000 00:00000000 00000000   107        0 737205 2 000000006eccb2a9 0        
`;

test('/proc/net/snmp: the Udp counters, not UdpLite', () => {
  assert.deepEqual(parseSnmpUdp(SNMP), { InDatagrams: 12936328, NoPorts: 16746, InErrors: 752609, OutDatagrams: 13683874, RcvbufErrors: 752609, SndbufErrors: 0 });
  assert.throws(() => parseSnmpUdp('Ip: a\nIp: 1\n'), /no Udp/);
});

test('/proc/net/udp: addresses, ports, receive queue and drops per socket', () => {
  assert.deepEqual(parseHexEndpoint('0100007F:13C4'), { ip: '127.0.0.1', port: 5060 });
  assert.deepEqual(parseHexEndpoint('0201C90A:7530'), { ip: '10.201.1.2', port: 30000 });
  // /proc/net/udp6: Asterisk's RTP sockets are bound to :: and take the IPv4 calls.
  assert.deepEqual(parseHexEndpoint('00000000000000000000000000000000:B4C2'), { ip: '::', port: 46274 });
  assert.deepEqual(parseHexEndpoint('0000000000000000FFFF00000201C90A:9C40'), { ip: '::ffff:10.201.1.2', port: 40000 });
  assert.deepEqual(parseHexEndpoint('B80D0120000000000000000001000000:0035'), { ip: '2001:db8:0:0:0:0:0:1', port: 53 });
  const v6 = parseProcNetUdp(`  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
   90: 00000000000000000000000000000000:B4C2 00000000000000000000000000000000:0000 07 00000000:00000300 00:00000000 00000000   101        0 1251875 2 0000000078b8a6a7 17
`);
  assert.deepEqual(v6, [{ localIp: '::', localPort: 46274, remoteIp: '::', remotePort: 0, rxQueue: 0x300, drops: 17, inode: 1251875 }]);
  const s = parseProcNetUdp(UDP);
  assert.equal(s.length, 3);
  assert.deepEqual(s[0], { localIp: '0.0.0.0', localPort: 8888, remoteIp: '0.0.0.0', remotePort: 0, rxQueue: 0, drops: 0, inode: 737207 });
  assert.deepEqual(s[1], { localIp: '10.201.1.2', localPort: 30000, remoteIp: '0.0.0.0', remotePort: 0, rxQueue: 0x34000, drops: 2460, inode: 739416 });
  assert.deepEqual(s[2], { localIp: '127.0.0.1', localPort: 20000, remoteIp: '10.201.1.1', remotePort: 40000, rxQueue: 0, drops: 0, inode: 737205 });
});

test('drops over a window count only sockets present at both ends', () => {
  const sock = (port: number, inode: number, drops: number): UdpSocket => ({ localIp: '0.0.0.0', localPort: port, remoteIp: '0.0.0.0', remotePort: 0, rxQueue: 0, drops, inode });
  const before = [sock(40000, 1, 10), sock(40002, 2, 0), sock(41000, 3, 5)];
  // 40002 was closed and its port reused by a new socket: not the same socket, left out.
  const after = [sock(40000, 1, 25), sock(40002, 9, 700), sock(41000, 3, 6)];
  assert.equal(dropsDelta(before, after, new Set([40000, 40002])), 15);
  assert.equal(dropsDelta(before, after, new Set([40000, 40002, 41000])), 16);
});

test('/proc/net/dev: packets and drops per interface', () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 4331219479 15053785    0    0    0     0          0         0 4331219479 15053785    0    0    0     0       0          0
pbu123n:  52844      95      0       4    0     0          0         0     6326      25    0    7    0     0       0          0
`;
  const m = parseNetDev(text);
  assert.deepEqual(m.get('pbu123n'), { rxPackets: 95, rxDropped: 4, txPackets: 25, txDropped: 7 });
  assert.equal(m.get('lo')?.rxPackets, 15053785);
});

test('SIPp -trace_stat: cumulative counts from the last row, the peak of calls at once', () => {
  const header = 'StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);ResponseTime1(P)';
  const row = (el: string, out: number, cur: number, ok: number, failed: number) =>
    `2026-11-22\t11:51:10.082630\t1795348270.082630;2026-11-22\t11:51:15.1\t1795348275.1;2026-11-22\t11:51:16.1\t1795348276.1;00:00:01;${el};10;0;0.4;0;0;0;${out};${out};${cur};0;${ok};0;${failed};00:00:00:000000`;
  const text = [header, row('00:00:01', 10, 10, 0, 0), row('00:00:02', 20, 18, 0, 2), row('00:01:05', 20, 0, 17, 3)].join('\n') + '\n';
  const s = parseSippStatCsv(text);
  assert.equal(s.rows.length, 3);
  assert.deepEqual(s.final, { elapsedSeconds: 65, created: 20, current: 0, successful: 17, failed: 3 });
  assert.equal(s.peakCurrent, 18);
  assert.throws(() => parseSippStatCsv(header), /no data row/);
  assert.throws(() => parseSippStatCsv('A;B\n1;2\n'), /no ElapsedTime\(C\)/);
  assert.equal(parseSippDuration('01:02:03:500000'), 3723.5);
  assert.ok(Number.isNaN(parseSippDuration('x')));
});

test("the box's media ports come from the callers' BOXPORT log lines", () => {
  assert.deepEqual([...boxPortsFromLog('BOXPORT 41810\nBOXPORT 43440\nsomething else\nBOXPORT 41810\n')], [41810, 43440]);
  assert.equal(boxPortsFromLog('').size, 0);
});

const PLAN: LevelPlan = { ramp: [100, 200, 400, 800], bisectSteps: 2, granularity: 25 };

test('level search: up the ramp while intact, then bisect between the last intact and the first failed', () => {
  assert.equal(nextLevel(PLAN, []), 100);
  assert.equal(nextLevel(PLAN, [{ calls: 100, intact: true }]), 200);
  const upTo400 = [{ calls: 100, intact: true }, { calls: 200, intact: true }];
  assert.equal(nextLevel(PLAN, [...upTo400, { calls: 400, intact: false }]), 300);
  assert.equal(nextLevel(PLAN, [...upTo400, { calls: 400, intact: false }, { calls: 300, intact: true }]), 350);
  assert.equal(nextLevel(PLAN, [...upTo400, { calls: 400, intact: false }, { calls: 300, intact: false }]), 250);
  // Two bisection steps, then done.
  assert.equal(nextLevel(PLAN, [...upTo400, { calls: 400, intact: false }, { calls: 300, intact: false }, { calls: 250, intact: true }]), undefined);
  // Every level intact: the ramp's end is the end.
  assert.equal(nextLevel(PLAN, PLAN.ramp.map((calls) => ({ calls, intact: true }))), undefined);
  // The first level fails: bisect down from it.
  assert.equal(nextLevel(PLAN, [{ calls: 100, intact: false }]), 50);
  assert.equal(nextLevel(PLAN, [{ calls: 100, intact: false }, { calls: 50, intact: false }]), 25);
  // Gap no larger than the granularity: nothing left to try.
  assert.equal(nextLevel({ ...PLAN, bisectSteps: 5 }, [{ calls: 25, intact: true }, { calls: 50, intact: false }]), undefined);
  assert.equal(nextLevel({ ...PLAN, bisectSteps: 0 }, [{ calls: 100, intact: false }]), undefined);
  assert.equal(maxIntact([{ calls: 100, intact: true }, { calls: 400, intact: false }, { calls: 300, intact: true }]), 300);
  assert.equal(maxIntact([{ calls: 100, intact: false }]), 0);
});

test('hold schedule: every call is up through the window, then they end staggered at the teardown rate', () => {
  const t = { setupRate: 40, teardownRate: 80, settleSeconds: 3, windowSeconds: 30, marginSeconds: 3 };
  const calls = 400;
  const s = holdSchedule(calls, t);
  assert.equal(s.holdsMs.length, calls);
  const windowEnd = s.setupLimitMs + (t.settleSeconds + t.windowSeconds) * 1000;
  assert.ok(s.setupLimitMs > (calls / t.setupRate) * 1000);
  const ends = s.holdsMs.map((h, i) => (i / t.setupRate) * 1000 + h);
  for (const e of ends) assert.ok(e >= windowEnd + t.marginSeconds * 1000 - 1);
  for (let i = 1; i < calls; i++) assert.ok(Math.abs(ends[i]! - ends[i - 1]! - 1000 / t.teardownRate) <= 1);
  assert.ok(s.holdsMs.every((h) => h > t.windowSeconds * 1000));
});

function ns(o: { in?: number; out?: number; noPorts?: number; sockets?: [number, number, number][]; txDropped?: Record<string, number> }): NamespaceSample {
  return {
    udp: { InDatagrams: o.in ?? 0, NoPorts: o.noPorts ?? 0, InErrors: 0, OutDatagrams: o.out ?? 0, RcvbufErrors: 0, SndbufErrors: 0 },
    sockets: (o.sockets ?? []).map(([port, inode, drops]) => ({ localIp: '0.0.0.0', localPort: port, remoteIp: '0.0.0.0', remotePort: 0, rxQueue: 0, drops, inode })),
    interfaces: new Map(Object.entries(o.txDropped ?? {}).map(([k, v]) => [k, { rxPackets: 0, rxDropped: 0, txPackets: 0, txDropped: v }])),
  };
}

test('RTP streams of a window from the counters of the three namespaces', () => {
  // 10 calls, 10 s: 5000 packets expected per stream.
  const start: WindowCounters = {
    at: 1_000_000,
    uac: ns({ in: 7, out: 1000, noPorts: 3, sockets: [[30000, 1, 500], [5060, 2, 0]], txDropped: { un: 0 } }),
    uas: ns({ in: 900, out: 900, noPorts: 3, sockets: [[20000, 3, 0], [20002, 4, 1]], txDropped: { sn: 0 } }),
    host: ns({ sockets: [[40000, 10, 0], [40001, 11, 0], [40100, 12, 0], [41000, 13, 0], [5060, 14, 0]], txDropped: { uh: 0, sh: 0 } }),
  };
  const end: WindowCounters = {
    at: 1_010_000,
    // Callers sent 5000; 4990 came back (counted as drops of their unread media socket); RTCP to closed ports changes NoPorts only.
    uac: ns({ in: 7, out: 6000, noPorts: 23, sockets: [[30000, 1, 5490], [5060, 2, 0]], txDropped: { un: 2 } }),
    // The called side read 4980 and dropped 5 on its echo sockets; it echoed 4980.
    uas: ns({ in: 5880, out: 5880, noPorts: 23, sockets: [[20000, 3, 3], [20002, 4, 3]], txDropped: { sn: 0 } }),
    // The box dropped 3 from the callers (port 40000 faces them), 4 from the called side (40100, 41000);
    // odd ports (RTCP) and ports outside the range do not count.
    host: ns({ sockets: [[40000, 10, 3], [40001, 11, 50], [40100, 12, 1], [41000, 13, 3], [5060, 14, 99]], txDropped: { uh: 1, sh: 0 } }),
  };
  const { streams, losses } = rtpStreams({
    calls: 10,
    start,
    end,
    uacMediaPort: 30000,
    uasMediaPorts: [20000, 20002],
    boxRtp: [40000, 47999],
    callerLegPorts: new Set([40000]),
    links: { uacNs: 'un', uacHost: 'uh', uasNs: 'sn', uasHost: 'sh' },
  });
  assert.equal(streams.expectedPerStream.value, 5000);
  assert.equal(streams.callerToBox.value, 5000 - 2 - 3);
  assert.equal(streams.boxToCallee.value, 4980 + 5);
  assert.equal(streams.calleeToBox.value, 4980 - 0 - 4);
  assert.equal(streams.boxToCaller.value, 4990);
  assert.equal(streams.deliveredPercent.value, 99.52);
  assert.equal(losses.callersSent.value, 5000);
  assert.equal(losses.calleeSent.value, 4980);
  assert.equal(losses.calleeDropped.value, 5);
  assert.equal(losses.linkDropped.value, 3);
  assert.equal(losses.boxDroppedFromCallers.value, 3);
  assert.equal(losses.boxDroppedFromCallee.value, 4);

  // A socket of another process in the range (an ephemeral port) is not the box's.
  const withInodes = rtpStreams({
    calls: 10,
    start,
    end,
    uacMediaPort: 30000,
    uasMediaPorts: [20000, 20002],
    boxRtp: [40000, 47999],
    callerLegPorts: new Set([40000]),
    boxSocketInodes: new Set([10, 11, 12]),
    links: { uacNs: 'un', uacHost: 'uh', uasNs: 'sn', uasHost: 'sh' },
  });
  assert.equal(withInodes.losses.boxDroppedFromCallee.value, 1);
  assert.equal(withInodes.streams.calleeToBox.value, 4980 - 1);
});

test('a level is intact only with few failures, every call up at both ends and every stream at 99 %', () => {
  const ok = { calls: 100, failedPercent: 0, deliveredPercent: 99.5, concurrentAtStart: 100, concurrentAtEnd: 100 };
  assert.equal(levelIntact(ok), true);
  assert.equal(levelIntact({ ...ok, failedPercent: 1 }), false);
  assert.equal(levelIntact({ ...ok, deliveredPercent: 98.99 }), false);
  assert.equal(levelIntact({ ...ok, concurrentAtStart: 99 }), false);
  assert.equal(levelIntact({ ...ok, concurrentAtEnd: 98 }), false);
  assert.equal(levelIntact({ ...ok, deliveredPercent: 99 }), true);
});

test('AMI: Output lines of a Command response; calls up are bridged Up channels in pairs', () => {
  const block = 'Response: Success\r\nActionID: cmd\r\nMessage: Command output follows\r\nOutput: a!b\r\nOutput: \r\nOutput:\r\n';
  assert.deepEqual(commandOutput(block), ['a!b', '', '']);
  const line = (name: string, state: string, bridge: string) => `${name}!ctx!0612345678!1!${state}!Dial!PJSIP/x!10000!!!3!12!${bridge}!1795348.1`;
  const lines = [
    line('PJSIP/10000-00000001', 'Up', 'b1'),
    line('PJSIP/trunk-carrier-00000002', 'Up', 'b1'),
    line('PJSIP/10001-00000003', 'Ring', ''),
    line('PJSIP/10002-00000004', 'Up', ''),
    line('PJSIP/10003-00000005', 'Up', 'b2'),
    line('PJSIP/trunk-carrier-00000006', 'Up', 'b2'),
  ];
  assert.equal(callsUp(lines), 2);
  assert.equal(callsUp([]), 0);
  const bridges = [
    'Bridge-ID                            Name                                 Chans Type            Technology      Duration',
    'b75ad8e6-1dcb-41d1-b65a-7ac8d4b72c60 <unknown>                                2 basic           simple_bridge   00:00:04',
    'daf57ed2-2706-48df-b915-72ccd1305e91 <unknown>                                2 basic           native_rtp      00:00:03',
    'daf57ed2-2706-48df-b915-72ccd1305e92 <unknown>                                2 basic           native_rtp      00:00:03',
  ];
  assert.deepEqual(bridgeTechnologies(bridges), { simple_bridge: 1, native_rtp: 2 });
});

test('bare Asterisk: only a bridge, u-law, media through it, the carrier identified by address', () => {
  const f = bareAsteriskFiles({
    instanceDir: '/srv/pbx',
    moduleDir: '/usr/lib/x86_64-linux-gnu/asterisk/modules',
    sipPort: 5070,
    ami: { port: 5071, username: 'bench', secret: 's3cret' },
    rtp: [40000, 47999],
    carrier: { host: '10.201.2.2', port: 5060 },
    caller: { username: 'bench', password: 'pw-123' },
  });
  assert.match(f['extensions.conf']!, /^exten => _X\.,1,Dial\(PJSIP\/\$\{EXTEN\}@carrier\)$/m);
  assert.match(f['pjsip.conf']!, /^bind = 0\.0\.0\.0:5070$/m);
  assert.equal(f['pjsip.conf']!.match(/^direct_media = no$/gm)?.length, 2);
  assert.equal(f['pjsip.conf']!.match(/^allow = ulaw$/gm)?.length, 2);
  assert.match(f['pjsip.conf']!, /^contact = sip:10\.201\.2\.2:5060$/m);
  assert.match(f['pjsip.conf']!, /^match = 10\.201\.2\.2$/m);
  assert.match(f['rtp.conf']!, /^rtpstart = 40000$/m);
  assert.match(f['rtp.conf']!, /^rtpend = 47999$/m);
  assert.match(f['modules.conf']!, /^autoload = no$/m);
  for (const m of BARE_MODULES) assert.match(f['modules.conf']!, new RegExp(`^load => ${m.replace('.', '\\.')}$`, 'm'));
  assert.match(f['asterisk.conf']!, /^astetcdir => \/srv\/pbx\/config$/m);
  assert.match(f['manager.conf']!, /^write = .*command/m);
});

test('stale namespaces are those of harness processes that are gone', () => {
  const alive = (pid: number) => pid === 42;
  assert.deepEqual(staleNamespaces(['pbxb-uac-42', 'pbxb-uas-42', 'pbxb-uac-7', 'pbxb-uas-7', 'pbxb-other', 'foo-uac-7'], alive), ['pbxb-uac-7', 'pbxb-uas-7']);
});

test('the streamed audio: 1 s of u-law (50 packets of 160 bytes), a tone, not silence', () => {
  const b = ulawTone();
  assert.equal(b.length, 8000);
  assert.equal(b[0], 0xff); // sin(0) = 0 encodes to 0xFF in u-law
  assert.ok(new Set(b).size > 50);
});
