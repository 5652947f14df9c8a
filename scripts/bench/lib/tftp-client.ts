// A small TFTP read client (RFC 1350; the blksize option of RFC 2347/2348 when asked for), on
// node:dgram, so one process can stand for hundreds of phones fetching at once: spawning a
// `tftp` process per phone would measure process creation, not the server.
//
// Protocol: RRQ to the server's port from an ephemeral port (our transfer ID); the first answer
// fixes the server's transfer ID (its address and port), packets from any other port get error 5
// and change nothing. Each DATA in sequence is acknowledged; a DATA shorter than the block size
// ends the transfer. A duplicate of the previous DATA (our ACK was lost) is acknowledged again;
// nothing else is ever retransmitted on receipt (no Sorcerer's Apprentice). With no packet in
// sequence for `timeoutMs`, the last packet sent (the RRQ, an ACK) goes again, up to `retries`
// times; then the transfer fails as a timeout. An ERROR packet fails it with the server's code.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

export const TFTP_OPCODE = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;
export type TftpOp = keyof typeof TFTP_OPCODE;

/** RFC 1350 error codes (8: option negotiation refused, RFC 2347). */
export const TFTP_ERROR = { UNDEFINED: 0, NOT_FOUND: 1, ACCESS: 2, DISK_FULL: 3, ILLEGAL: 4, UNKNOWN_TID: 5, EXISTS: 6, NO_USER: 7, OPTIONS: 8 } as const;

export const DEFAULT_BLKSIZE = 512;

export type TftpPacket =
  | { op: 'RRQ' | 'WRQ'; name: string; mode: string; options: Record<string, string> }
  | { op: 'DATA'; block: number; data: Buffer }
  | { op: 'ACK'; block: number }
  | { op: 'ERROR'; code: number; message: string }
  | { op: 'OACK'; options: Record<string, string> };

const OP_NAME = new Map<number, TftpOp>(Object.entries(TFTP_OPCODE).map(([k, v]) => [v, k as TftpOp]));

/** NUL-terminated latin1 strings; none may contain NUL itself. */
function strings(values: string[]): Buffer {
  for (const v of values) if (v.includes('\0')) throw new Error(`a TFTP string cannot contain NUL: ${JSON.stringify(v)}`);
  return Buffer.from(values.map((v) => `${v}\0`).join(''), 'latin1');
}

function header(op: TftpOp, word?: number): Buffer {
  const b = Buffer.alloc(word === undefined ? 2 : 4);
  b.writeUInt16BE(TFTP_OPCODE[op], 0);
  if (word !== undefined) {
    if (!Number.isInteger(word) || word < 0 || word > 0xffff) throw new Error(`not a 16-bit value: ${word}`);
    b.writeUInt16BE(word, 2);
  }
  return b;
}

export function encodePacket(p: TftpPacket): Buffer {
  switch (p.op) {
    case 'RRQ':
    case 'WRQ':
      return Buffer.concat([header(p.op), strings([p.name, p.mode, ...Object.entries(p.options).flat()])]);
    case 'DATA':
      return Buffer.concat([header('DATA', p.block), p.data]);
    case 'ACK':
      return header('ACK', p.block);
    case 'ERROR':
      return Buffer.concat([header('ERROR', p.code), strings([p.message])]);
    case 'OACK':
      return Buffer.concat([header('OACK'), strings(Object.entries(p.options).flat())]);
  }
}

/** NUL-terminated strings after the opcode; undefined unless the packet ends with NUL. */
function splitStrings(b: Buffer): string[] | undefined {
  if (b.length === 0) return [];
  if (b[b.length - 1] !== 0) return undefined;
  return b.subarray(0, b.length - 1).toString('latin1').split('\0');
}

/** Option names are case-insensitive (RFC 2347): lower-cased here. */
function optionPairs(fields: string[]): Record<string, string> | undefined {
  if (fields.length % 2 !== 0) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) out[fields[i]!.toLowerCase()] = fields[i + 1]!;
  return out;
}

/** A packet as received; undefined when malformed (unknown opcode, too short, strings not terminated). */
export function decodePacket(msg: Buffer): TftpPacket | undefined {
  if (msg.length < 2) return undefined;
  const op = OP_NAME.get(msg.readUInt16BE(0));
  switch (op) {
    case 'RRQ':
    case 'WRQ': {
      const f = splitStrings(msg.subarray(2));
      if (!f || f.length < 2) return undefined;
      const options = optionPairs(f.slice(2));
      return options ? { op, name: f[0]!, mode: f[1]!.toLowerCase(), options } : undefined;
    }
    case 'DATA':
      return msg.length < 4 ? undefined : { op, block: msg.readUInt16BE(2), data: Buffer.from(msg.subarray(4)) };
    case 'ACK':
      return msg.length !== 4 ? undefined : { op, block: msg.readUInt16BE(2) };
    case 'ERROR': {
      if (msg.length < 4) return undefined;
      // Some servers omit the message's terminating NUL: take the text up to the first NUL or the end.
      const text = msg.subarray(4).toString('latin1');
      const nul = text.indexOf('\0');
      return { op, code: msg.readUInt16BE(2), message: nul < 0 ? text : text.slice(0, nul) };
    }
    case 'OACK': {
      const f = splitStrings(msg.subarray(2));
      const options = f ? optionPairs(f) : undefined;
      return options ? { op, options } : undefined;
    }
    default:
      return undefined;
  }
}

export type TftpFailure = 'timeout' | 'error-packet' | 'protocol';

export class TftpError extends Error {
  /** timeout: no answer after every retransmission; error-packet: the server sent ERROR; protocol: a packet out of protocol. */
  readonly kind: TftpFailure;
  /** The server's error code (error-packet). */
  readonly code: number | undefined;
  constructor(kind: TftpFailure, message: string, code?: number) {
    super(message);
    this.name = 'TftpError';
    this.kind = kind;
    this.code = code;
  }
}

export interface TftpGetOptions {
  host: string;
  port: number;
  name: string;
  /** Default octet. */
  mode?: 'octet' | 'netascii';
  /** Wait this long for the next packet in sequence before sending the last one again. Default 1000. */
  timeoutMs?: number;
  /** Retransmissions of one packet before giving up. Default 5. */
  retries?: number;
  /** Ask for this block size (RFC 2348); without it no option is sent (as most phones do). */
  blksize?: number;
  /** Refuse files larger than this (error 3 to the server). Default 32 MiB. */
  maxBytes?: number;
}

export interface TftpGetResult {
  body: Buffer;
  /** DATA packets taken (duplicates not counted). */
  blocks: number;
  /** Packets we sent again after a timeout. */
  retransmits: number;
  blksize: number;
}

/** Reads one file. Rejects with TftpError. */
export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  const timeoutMs = o.timeoutMs ?? 1000;
  const retries = o.retries ?? 5;
  const maxBytes = o.maxBytes ?? 32 * 2 ** 20;
  const family = isIP(o.host);
  const options: Record<string, string> = o.blksize !== undefined ? { blksize: String(o.blksize) } : {};
  const rrq = encodePacket({ op: 'RRQ', name: o.name, mode: o.mode ?? 'octet', options });

  return new Promise<TftpGetResult>((resolve, reject) => {
    const socket: Socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const chunks: Buffer[] = [];
    let bytes = 0;
    let blksize = DEFAULT_BLKSIZE;
    /** The next block we want; 0 until the first answer (an OACK or DATA 1) came. */
    let expected = 0;
    let peer: { address: string; port: number } | undefined;
    let last = rrq;
    let lastTo = { address: o.host, port: o.port };
    let tries = 0;
    let retransmits = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;

    /** Ends the transfer, after sending `packet` when given (the last ACK, an ERROR); later packets are ignored. */
    const finish = (err: TftpError | undefined, result?: TftpGetResult, packet?: { data: Buffer; to: { address: string; port: number } }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const end = () => {
        socket.close();
        if (err) reject(err);
        else resolve(result!);
      };
      if (packet) socket.send(packet.data, packet.to.port, packet.to.address, end);
      else end();
    };
    const transmit = () => {
      socket.send(last, lastTo.port, lastTo.address);
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (tries >= retries) return finish(new TftpError('timeout', `TFTP ${o.name}: no answer after ${retries} retransmissions (waiting for block ${expected || 1})`));
        tries++;
        retransmits++;
        transmit();
      }, timeoutMs);
    };
    const send = (packet: Buffer, to: { address: string; port: number }) => {
      last = packet;
      lastTo = to;
      tries = 0;
      transmit();
    };
    const abort = (code: number, text: string, to: RemoteInfo) =>
      finish(new TftpError('protocol', `TFTP ${o.name}: ${text}`), undefined, { data: encodePacket({ op: 'ERROR', code, message: text }), to });

    socket.on('error', (err) => finish(new TftpError('protocol', `TFTP ${o.name}: socket: ${err.message}`)));
    socket.on('message', (msg, from) => {
      if (done) return;
      if (peer) {
        if (from.address !== peer.address || from.port !== peer.port) {
          socket.send(encodePacket({ op: 'ERROR', code: TFTP_ERROR.UNKNOWN_TID, message: 'Unknown transfer ID' }), from.port, from.address);
          return;
        }
      } else if (family !== 0 && from.address !== o.host) {
        // Not the server we asked (it answers from its own address on a new port).
        return;
      }
      const p = decodePacket(msg);
      if (!p) return abort(TFTP_ERROR.ILLEGAL, 'malformed packet', from);
      if (p.op === 'ERROR') return finish(new TftpError('error-packet', `TFTP ${o.name}: error ${p.code}: ${p.message}`, p.code));
      peer ??= { address: from.address, port: from.port };
      if (p.op === 'OACK') {
        if (expected !== 0) return; // a duplicate of the OACK our ACK 0 answered
        if (o.blksize === undefined) return abort(TFTP_ERROR.OPTIONS, 'options were not asked for', from);
        const b = p.options.blksize === undefined ? DEFAULT_BLKSIZE : Number(p.options.blksize);
        if (!Number.isInteger(b) || b < 8 || b > o.blksize) return abort(TFTP_ERROR.OPTIONS, `blksize ${p.options.blksize} refused`, from);
        blksize = b;
        expected = 1;
        return send(encodePacket({ op: 'ACK', block: 0 }), peer);
      }
      if (p.op !== 'DATA') return abort(TFTP_ERROR.ILLEGAL, `unexpected ${p.op}`, from);
      // DATA 1 without an OACK: the server ignored our options (RFC 2347 allows it).
      if (expected === 0) expected = 1;
      const previous = (expected + 0xffff) % 0x10000;
      if (p.block === previous && chunks.length > 0) {
        // Our ACK was lost: acknowledge again, without resetting the retry count of what we wait for.
        socket.send(encodePacket({ op: 'ACK', block: previous }), peer.port, peer.address);
        return;
      }
      if (p.block !== expected) return;
      if (p.data.length > blksize) return abort(TFTP_ERROR.ILLEGAL, `block ${p.block} longer than ${blksize} bytes`, from);
      bytes += p.data.length;
      if (bytes > maxBytes) return abort(TFTP_ERROR.DISK_FULL, `file larger than ${maxBytes} bytes`, from);
      chunks.push(p.data);
      const ack = encodePacket({ op: 'ACK', block: p.block });
      if (p.data.length < blksize) {
        // The last block: acknowledged once, no dallying (were this ACK lost, the server would
        // resend the block a few times and give up; the file is complete here either way).
        return finish(undefined, { body: Buffer.concat(chunks), blocks: chunks.length, retransmits, blksize }, { data: ack, to: peer });
      }
      expected = (expected + 1) % 0x10000;
      send(ack, peer);
    });
    transmit();
  });
}
