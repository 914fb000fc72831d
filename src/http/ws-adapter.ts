import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { HandshakeAnswer, HandshakeInfo } from '../roles/notifier/websocket-authenticator';

/** Nest's `ws` adapter with a check of every handshake before the upgrade (keys, Origin). */
export class AttuneWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly verifyClient: (info: HandshakeInfo, answer: HandshakeAnswer) => void,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { path?: string }) {
    return super.create(port, { ...options, verifyClient: this.verifyClient });
  }
}
