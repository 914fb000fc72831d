'use strict';
// A TCP proxy the chaos run puts between one role and the broker, to cut the network there
// (open connections dropped, new ones refused) and mend it again.

const net = require('node:net');

class TcpProxy {
  /** @param {number} targetPort */
  constructor(targetPort) {
    this.targetPort = targetPort;
    /** @type {Set<import('node:net').Socket>} */
    this.sockets = new Set();
    this.cut = false;
    this.server = net.createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** @returns {Promise<number>} the port it listens on */
  listen() {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        resolve(/** @type {import('node:net').AddressInfo} */ (this.server.address()).port);
      }),
    );
  }

  /** Drops every connection and refuses new ones until mended. */
  sever() {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  mend() {
    this.cut = false;
  }

  close() {
    this.sever();
    return new Promise((resolve) => this.server.close(() => resolve(undefined)));
  }
}

module.exports = { TcpProxy };
