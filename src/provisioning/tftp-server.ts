// The read-only TFTP server for factory-fresh phones (RFC 1350, with option negotiation RFC 2347,
// blksize RFC 2348, tsize and timeout RFC 2349), on node:dgram.
//
// Why a Node server instead of Debian's tftpd-hpa serving a directory the supervisor writes:
// - one resolver: TFTP answers come from the same ProvisioningService.resolve() as HTTP(S), so
//   the same phone gets the same bytes, the same MAC checks and refusals (httpAuth phones are
//   refused over TFTP, which cannot authenticate) and the same rate limit;
// - the request log and "discovered" phones cover TFTP too (tftpd-hpa only logs to syslog, and a
//   directory cannot answer "unknown MAC, please list it");
// - no file tree of every phone's credentials on disk, rendered ahead for MACs that may never ask,
//   kept in sync with every model change, readable by whatever else reads that directory;
// - nothing else to run, configure or supervise. Port 69 on the box needs the daemon to hold
//   CAP_NET_BIND_SERVICE (its systemd unit must grant it); development uses an unprivileged port.
//
// Protocol notes: read requests only (a write request gets error 2); octet and netascii are
// served as the same bytes (the files are text the phones parse either way); each transfer
// runs on its own socket from an ephemeral port (its transfer ID), retransmits on timeout up to
// a retry limit and ignores duplicate ACKs (no Sorcerer's Apprentice). Block numbers do not
// wrap: a file needing more than 65535 blocks is refused.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { FileRequest, FileResponse } from './service.ts';

const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
/** RFC 1350 error codes used here. */
const ERR = { UNDEFINED: 0, NOT_FOUND: 1, ACCESS: 2, ILLEGAL: 4, UNKNOWN_TID: 5 } as const;

const DEFAULT_BLKSIZE = 512;
const MIN_BLKSIZE = 8;
const MAX_BLKSIZE = 65464;
const MAX_BLOCKS = 65535;

export interface TftpServerOptions {
  /** The resolver (ProvisioningService). */
  service: { resolve(req: FileRequest): FileResponse };
  /** Wait for an ACK this long before sending again, unless the client asks (timeout option). Default 1000. */
  timeoutMs?: number;
  /** Retransmissions of one packet before the transfer is given up. Default 5. */
  retries?: number;
  /** Transfers at once; more requests get "server busy". Default 500. */
  maxTransfers?: number;
  /** The host's interfaces (tests); default os.networkInterfaces. */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** A socket failed, or a transfer was given up. */
  onError?: (err: Error) => void;
}

interface Transfer {
  socket: Socket;
  peer: RemoteInfo;
  data: Buffer;
  blksize: number;
  timeoutMs: number;
  /** The block last sent (0: the OACK). */
  block: number;
  last: Buffer;
  retries: number;
  timer?: NodeJS.Timeout;
}

function errorPacket(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'ascii');
  const b = Buffer.alloc(4 + msg.length + 1);
  b.writeUInt16BE(OP.ERROR, 0);
  b.writeUInt16BE(code, 2);
  msg.copy(b, 4);
  return b;
}

function oackPacket(options: [string, string][]): Buffer {
  const parts = options.flatMap(([k, v]) => [Buffer.from(k, 'ascii'), Buffer.from([0]), Buffer.from(v, 'ascii'), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([0, OP.OACK]), ...parts]);
}

function dataPacket(block: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeUInt16BE(OP.DATA, 0);
  b.writeUInt16BE(block, 2);
  payload.copy(b, 4);
  return b;
}

/** Filename, mode and options of a read request; undefined when malformed. */
export function parseRequest(msg: Buffer): { name: string; mode: string; options: Map<string, string> } | undefined {
  if (msg.length < 4 || msg[msg.length - 1] !== 0) return undefined;
  const fields = msg.subarray(2, msg.length - 1).toString('latin1').split('\0');
  if (fields.length < 2 || fields.length % 2 !== 0) return undefined;
  const options = new Map<string, string>();
  for (let i = 2; i < fields.length; i += 2) options.set(fields[i]!.toLowerCase(), fields[i + 1]!);
  return { name: fields[0]!, mode: fields[1]!.toLowerCase(), options };
}

const ipv4 = (a: string): number | undefined => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
};

/**
 * The box's address as the client sees it: the address of the interface whose network holds the
 * client (a UDP socket cannot tell which address a datagram was sent to); loopback clients get
 * 127.0.0.1; otherwise the first non-internal IPv4 address.
 */
export function localAddressFor(client: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  const c = ipv4(client);
  if (c === undefined || client.startsWith('127.')) return '127.0.0.1';
  const all = Object.values(interfaces).flatMap((l) => l ?? []).filter((i) => i.family === 'IPv4');
  for (const i of all) {
    const a = ipv4(i.address);
    const m = ipv4(i.netmask);
    if (a !== undefined && m !== undefined && !i.internal && ((a & m) >>> 0) === ((c & m) >>> 0)) return i.address;
  }
  return all.find((i) => !i.internal)?.address ?? '127.0.0.1';
}

/** Receive buffer of the request socket: room for a few thousand read requests. */
const REQUEST_BUFFER_BYTES = 2 * 1024 * 1024;

export class TftpServer {
  private readonly opts: Required<Omit<TftpServerOptions, 'onError'>> & { onError: (err: Error) => void };
  private socket: Socket | undefined;
  private host = '0.0.0.0';
  private readonly transfers = new Map<string, Transfer>();
  /** Requests being answered (resolve, socket bind) before their transfer exists. */
  private readonly pending = new Set<string>();

  constructor(options: TftpServerOptions) {
    this.opts = {
      service: options.service,
      timeoutMs: options.timeoutMs ?? 1000,
      retries: options.retries ?? 5,
      maxTransfers: options.maxTransfers ?? 500,
      interfaces: options.interfaces ?? networkInterfaces,
      onError: options.onError ?? (() => {}),
    };
  }

  async start(port: number, host = '0.0.0.0'): Promise<void> {
    if (this.socket) throw new Error('the TFTP server is already started');
    // A whole office booting at once sends its read requests together: the kernel's default
    // receive buffer (about 256 requests) drops the rest, and each dropped phone waits a full
    // retransmission timeout. The kernel caps this at net.core.rmem_max (rootfs/etc/sysctl.d).
    const socket = createSocket({ type: 'udp4', recvBufferSize: REQUEST_BUFFER_BYTES });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.opts.onError(err));
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    this.socket = socket;
    this.host = host;
  }

  async stop(): Promise<void> {
    for (const key of [...this.transfers.keys()]) this.end(key);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** The bound port (after start). */
  port(): number {
    if (!this.socket) throw new Error('the TFTP server is not started');
    return this.socket.address().port;
  }

  private onRequest(msg: Buffer, rinfo: RemoteInfo): void {
    const socket = this.socket;
    if (!socket || msg.length < 2) return;
    const op = msg.readUInt16BE(0);
    const reply = (code: number, text: string) => socket.send(errorPacket(code, text), rinfo.port, rinfo.address);
    if (op === OP.WRQ) return reply(ERR.ACCESS, 'Access violation: read-only server');
    // Stray ACK, DATA or ERROR packets to the server port get no answer (no ping-pong with a
    // forged source).
    if (op !== OP.RRQ) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    // The client sent its request again before our first packet reached it: the transfer
    // already running retransmits by itself.
    if (this.transfers.has(key) || this.pending.has(key)) return;
    const req = parseRequest(msg);
    if (!req) return reply(ERR.ILLEGAL, 'Illegal TFTP operation: malformed request');
    if (req.mode !== 'octet' && req.mode !== 'netascii') return reply(ERR.ILLEGAL, `Illegal TFTP operation: mode ${req.mode.slice(0, 20)} not supported`);
    if (this.transfers.size + this.pending.size >= this.opts.maxTransfers) return reply(ERR.UNDEFINED, 'Server busy, try again later');
    this.pending.add(key);
    this.answer(req, rinfo, key, socket.address().port).then(
      () => this.pending.delete(key),
      (err: Error) => {
        this.pending.delete(key);
        this.opts.onError(err);
      },
    );
  }

  private async answer(req: NonNullable<ReturnType<typeof parseRequest>>, rinfo: RemoteInfo, key: string, localPort: number): Promise<void> {
    const wildcard = this.host === '0.0.0.0';
    const localAddress = wildcard ? localAddressFor(rinfo.address, this.opts.interfaces()) : this.host;
    const out = this.opts.service.resolve({ protocol: 'tftp', name: req.name, source: rinfo.address, localAddress, localPort });
    // Answers come from the address the client reached, or it may not accept them.
    const socket = await this.bindTransferSocket(wildcard ? localAddress : this.host);
    if (!this.socket) {
      socket.close();
      return;
    }
    const fail = (code: number, text: string) => socket.send(errorPacket(code, text), rinfo.port, rinfo.address, () => socket.close());
    if (out.status !== 200 || out.body === undefined) {
      if (out.status === 404) return fail(ERR.NOT_FOUND, 'File not found');
      if (out.status === 401 || out.status === 403) return fail(ERR.ACCESS, 'Access violation');
      if (out.status === 429) return fail(ERR.UNDEFINED, 'Too many requests, try again later');
      return fail(ERR.UNDEFINED, 'Server error');
    }
    const data = Buffer.from(out.body, 'utf8');
    let blksize = DEFAULT_BLKSIZE;
    let timeoutMs = this.opts.timeoutMs;
    const accepted: [string, string][] = [];
    const asked = req.options;
    const b = Number(asked.get('blksize'));
    if (asked.has('blksize') && Number.isInteger(b) && b >= MIN_BLKSIZE) {
      blksize = Math.min(b, MAX_BLKSIZE);
      accepted.push(['blksize', String(blksize)]);
    }
    const t = Number(asked.get('timeout'));
    if (asked.has('timeout') && Number.isInteger(t) && t >= 1 && t <= 255) {
      timeoutMs = t * 1000;
      accepted.push(['timeout', String(t)]);
    }
    if (asked.has('tsize')) accepted.push(['tsize', String(data.length)]);
    if (Math.floor(data.length / blksize) + 1 > MAX_BLOCKS) return fail(ERR.UNDEFINED, `File too large for block size ${blksize}`);

    const transfer: Transfer = { socket, peer: rinfo, data, blksize, timeoutMs, block: 0, last: Buffer.alloc(0), retries: 0 };
    this.transfers.set(key, transfer);
    socket.on('message', (msg, from) => this.onTransferPacket(key, msg, from));
    socket.on('error', (err) => {
      this.end(key);
      this.opts.onError(err);
    });
    if (accepted.length > 0) this.send(key, oackPacket(accepted));
    else this.sendBlock(key, 1);
  }

  private async bindTransferSocket(address: string): Promise<Socket> {
    const bind = (addr: string) =>
      new Promise<Socket>((resolve, reject) => {
        const s = createSocket({ type: 'udp4' });
        s.once('error', (err) => {
          s.close();
          reject(err);
        });
        s.bind(0, addr, () => {
          s.removeAllListeners('error');
          resolve(s);
        });
      });
    try {
      return await bind(address);
    } catch {
      // The address is not (or no longer) the host's: let the kernel pick.
      return await bind('0.0.0.0');
    }
  }

  private onTransferPacket(key: string, msg: Buffer, from: RemoteInfo): void {
    const t = this.transfers.get(key);
    if (!t) return;
    if (from.address !== t.peer.address || from.port !== t.peer.port) {
      t.socket.send(errorPacket(ERR.UNKNOWN_TID, 'Unknown transfer ID'), from.port, from.address);
      return;
    }
    if (msg.length < 4) return;
    const op = msg.readUInt16BE(0);
    if (op === OP.ERROR) return this.end(key); // the client gave up (or refused the options, code 8)
    if (op !== OP.ACK) {
      t.socket.send(errorPacket(ERR.ILLEGAL, 'Illegal TFTP operation'), from.port, from.address);
      return this.end(key);
    }
    const acked = msg.readUInt16BE(2);
    // Only the ACK of the block last sent moves on; an older one is a duplicate.
    if (acked !== t.block) return;
    const sent = t.block === 0 ? undefined : t.data.length - (t.block - 1) * t.blksize;
    if (sent !== undefined && sent < t.blksize) return this.end(key);
    this.sendBlock(key, t.block + 1);
  }

  private sendBlock(key: string, block: number): void {
    const t = this.transfers.get(key)!;
    const payload = t.data.subarray((block - 1) * t.blksize, block * t.blksize);
    t.block = block;
    this.send(key, dataPacket(block, payload));
  }

  private send(key: string, packet: Buffer): void {
    const t = this.transfers.get(key);
    if (!t) return;
    t.last = packet;
    t.retries = 0;
    this.transmit(key);
  }

  private transmit(key: string): void {
    const t = this.transfers.get(key);
    if (!t) return;
    clearTimeout(t.timer);
    t.socket.send(t.last, t.peer.port, t.peer.address);
    t.timer = setTimeout(() => {
      if (t.retries >= this.opts.retries) {
        this.end(key);
        this.opts.onError(new Error(`TFTP transfer to ${key} given up after ${t.retries} retransmissions (block ${t.block})`));
        return;
      }
      t.retries++;
      this.transmit(key);
    }, t.timeoutMs);
  }

  private end(key: string): void {
    const t = this.transfers.get(key);
    if (!t) return;
    this.transfers.delete(key);
    clearTimeout(t.timer);
    try {
      t.socket.close();
    } catch {
      // already closed
    }
  }
}
