// A UDP socket of a test on loopback: every packet it receives, in order, and a way to wait for
// the next one (a scripted TFTP peer, client or server).
import { createSocket, type Socket } from 'node:dgram';

export interface UdpPacket {
  msg: Buffer;
  port: number;
}

export interface UdpInbox {
  sock: Socket;
  port: number;
  inbox: UdpPacket[];
  /** The oldest packet not yet taken; throws after `ms` without one. */
  next(ms?: number): Promise<UdpPacket>;
  send(port: number, packet: Buffer): void;
  close(): void;
}

export async function udpInbox(): Promise<UdpInbox> {
  const sock: Socket = createSocket('udp4');
  const inbox: UdpPacket[] = [];
  const waiters: (() => void)[] = [];
  sock.on('message', (msg, r) => {
    inbox.push({ msg, port: r.port });
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const next = async (ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (inbox.length === 0) {
      if (Date.now() > deadline) throw new Error('no packet');
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return inbox.shift()!;
  };
  return { sock, port: sock.address().port, inbox, next, send: (port, packet) => sock.send(packet, port, '127.0.0.1'), close: () => sock.close() };
}
