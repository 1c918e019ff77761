/**
 * The sockets of the wire runtime, kept apart by who may use them.
 *
 * - Public listeners are what `serve` prints: TCP on the configured host, where outside peers
 *   (a real agent, a real operator, grpcurl) connect. Nothing a peer sends there is taken as an
 *   address of internal state: every call is a new outside call.
 * - Private sockets carry the calls between our own processes. They are Unix sockets in a
 *   directory only this user can enter, so the call ids that pair a client with its server side
 *   never travel where an outside peer can send or read them.
 *
 * Public connections are tracked one by one: a connection that has not sent the HTTP/2 client
 * preface within the connection timeout is closed (grpc-go's server does the same, 120 s by
 * default), and shutdown can end every connection at once.
 */
import * as grpc from "@grpc/grpc-js";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../../core/errors.ts";

/** Length of the HTTP/2 client connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`); a TLS
 * ClientHello is longer, so this many bytes mean the handshake has begun in either case. */
const HTTP2_PREFACE_BYTES = 24;

/** grpc-go's default `ConnectionTimeout`: the time a new connection has to finish its handshake. */
export const GRPC_GO_CONNECTION_TIMEOUT_MS = 120_000;

export interface TlsFiles {
  /** PEM server certificate chain. */
  cert: Buffer;
  /** PEM private key. */
  key: Buffer;
  /** PEM CA bundle: when given, clients must present a certificate it signed (mTLS). */
  ca?: Buffer;
}

export function serverCredentials(tls: TlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.ca !== undefined);
}

/** `host:port` as a URL authority: IPv6 literals in brackets. */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A TCP listener whose connections are handed to a grpc-js server (through its connection
 * injector), so the sockets are ours to time out and to end.
 */
export class PublicListener {
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly tcp: net.Server,
    private readonly injector: ReturnType<grpc.Server["createConnectionInjector"]>,
    readonly address: { host: string; port: number },
  ) {}

  static async open(
    server: grpc.Server,
    creds: grpc.ServerCredentials,
    host: string,
    port: number,
    what: string,
    connectionTimeoutMs: number,
  ): Promise<PublicListener> {
    const injector = server.createConnectionInjector(creds);
    let listener: PublicListener | null = null;
    const tcp = net.createServer({ noDelay: true }, (socket) => {
      if (listener) listener.accept(socket, connectionTimeoutMs);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", (e) => reject(new UserError(`cannot listen on ${hostPort(host, port)} for ${what}: ${(e as Error).message}`)));
      tcp.listen({ host, port, exclusive: true }, () => resolve());
    });
    tcp.on("error", () => {}); // after listening, errors belong to single connections
    const bound = tcp.address() as net.AddressInfo;
    listener = new PublicListener(tcp, injector, { host, port: bound.port });
    return listener;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  private accept(socket: net.Socket, connectionTimeoutMs: number): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // The connection is handed to gRPC once it has spoken: until then it is ours to time out
    // (after the hand-over the HTTP/2 session owns the socket).
    const timer = connectionTimeoutMs > 0 && Number.isFinite(connectionTimeoutMs) ? setTimeout(() => socket.destroy(), connectionTimeoutMs) : null;
    timer?.unref();
    socket.once("close", () => { if (timer) clearTimeout(timer); });
    const head: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      head.push(chunk);
      got += chunk.length;
      if (got < HTTP2_PREFACE_BYTES) return;
      if (timer) clearTimeout(timer);
      socket.off("data", onData);
      socket.pause();
      socket.unshift(Buffer.concat(head));
      this.injector.injectConnection(socket);
    };
    socket.on("data", onData);
  }

  /** Stop accepting; ask open connections to finish (GOAWAY), then end whatever is left. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((r) => this.tcp.close(() => r()));
    this.injector.drain(graceMs);
    if (this.sockets.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        const check = setInterval(() => {
          if (this.sockets.size === 0) {
            clearTimeout(timer);
            clearInterval(check);
            resolve();
          }
        }, 10);
        timer.unref();
        setTimeout(() => clearInterval(check), graceMs).unref();
      });
    }
    for (const s of this.sockets) s.destroy();
    this.injector.destroy();
    await closed;
  }
}

/** A directory of Unix sockets only this user can reach, removed on close. */
export class PrivateSockets {
  private next = 0;
  private constructor(readonly dir: string) {}

  static create(): PrivateSockets {
    // Short names: a Unix socket path is limited to ~100 bytes.
    return new PrivateSockets(fs.mkdtempSync(path.join(os.tmpdir(), "seldon-sim-")));
  }

  /** A fresh socket path (nothing listens there until someone binds it). */
  path(): string {
    return path.join(this.dir, `${(this.next++).toString(36)}.sock`);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A raw listener on a private socket, for the fault peers (a peer that resets, one that never answers). */
export async function listenPrivate(sockets: PrivateSockets, onConnection: (s: net.Socket) => void): Promise<{ server: net.Server; path: string }> {
  const p = sockets.path();
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(p, () => resolve());
  });
  return { server, path: p };
}
