/**
 * A TCP proxy in front of the lab sshd for one host, so a test can make that host slow, silent or
 * go away without touching the one lab sshd every host shares:
 *  - latencyMs: every chunk is forwarded that long after it arrived, in both directions, in order;
 *  - silent: accepts connections and never answers (a port that is open but does not speak SSH);
 *  - goAway(): stops listening and drops every connection at once (a host that vanished).
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface ProxyOptions {
  /** Address to listen on (a lab host's own 127.0.1.<i>, so its known_hosts entry can be exact). */
  listenHost: string;
  /** Where to forward to (the lab sshd); ignored when silent. */
  target: { host: string; port: number };
  latencyMs?: number;
  silent?: boolean;
}

export interface Proxy {
  host: string;
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Bytes forwarded client -> server and server -> client. */
  bytes(): { up: number; down: number };
  /** Stop listening and destroy every open connection (both sides). */
  goAway(): Promise<void>;
}

export async function startProxy(o: ProxyOptions): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const bytes = { up: 0, down: 0 };
  const latency = o.latencyMs ?? 0;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  };
  // a -> b, each chunk delayed by `latency` (timers of equal delay fire in the order they were set).
  const pipe = (a: Socket, b: Socket, count: (n: number) => void): void => {
    a.on('data', (chunk: Buffer) => {
      count(chunk.length);
      if (latency === 0) b.write(chunk);
      else setTimeout(() => b.destroyed || b.write(chunk), latency);
    });
    a.on('end', () => (latency === 0 ? b.end() : setTimeout(() => b.end(), latency)));
    a.on('close', () => setTimeout(() => b.destroy(), latency));
  };
  const server = createServer((client) => {
    accepted++;
    track(client);
    if (o.silent) return;
    const upstream = createConnection({ host: o.target.host, port: o.target.port });
    track(upstream);
    pipe(client, upstream, (n) => (bytes.up += n));
    pipe(upstream, client, (n) => (bytes.down += n));
  });
  await new Promise<void>((ok, fail) => server.listen(0, o.listenHost, ok).once('error', fail));
  const port = (server.address() as AddressInfo).port;
  let gone: Promise<void> | undefined;
  return {
    host: o.listenHost,
    port,
    accepted: () => accepted,
    bytes: () => ({ ...bytes }),
    goAway() {
      gone ??= new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      });
      return gone;
    },
  };
}
