import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy a test can open and close, to make a dependency unreachable and reachable again
 * without touching the real server.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections still to cut once their client has sent this many bytes. */
  private cuts: { afterBytes: number; left: number } = { afterBytes: 0, left: 0 };
  /** How many connections were cut that way. */
  cutCount = 0;

  constructor(
    readonly port: number,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      if (this.cuts.left > 0) {
        this.cuts.left--;
        let sent = 0;
        client.on('data', (chunk: Buffer) => {
          sent += chunk.length;
          if (sent >= this.cuts.afterBytes && !client.destroyed) {
            this.cutCount++;
            client.destroy();
            upstream.destroy();
          }
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  /**
   * The next `count` connections are cut once their client has sent `afterBytes` bytes: with a
   * broker behind, that is part-way through what a process sends first (the handshake, then
   * its topology).
   */
  cutNextConnections(count: number, afterBytes: number): void {
    this.cuts = { afterBytes, left: count };
  }

  /** Stops listening and cuts every open connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
