/**
 * amqplib's muxer writes every frame (each publish, each ack) to the socket separately, and Node
 * sends each small write as its own system call. Corking the socket while the muxer drains its
 * channels sends all the frames of one turn in a single writev: under load that is one system
 * call instead of dozens, the largest single cost in a CPU profile of the pipeline.
 * (amqplib directly: there is no option for this in amqplib or golevelup.)
 */
const { Mux } = require('amqplib/lib/mux') as {
  Mux: {
    prototype: {
      _readIncoming(): void;
      out: NodeJS.WritableStream & { cork?(): void; uncork?(): void };
    };
  };
};

let patched = false;

export function coalesceAmqpFrames(): void {
  if (patched) return;
  patched = true;
  const readIncoming = Mux.prototype._readIncoming;
  Mux.prototype._readIncoming = function corkedReadIncoming(this: typeof Mux.prototype) {
    const out = this.out;
    out.cork?.();
    try {
      readIncoming.call(this);
    } finally {
      out.uncork?.();
    }
  };
}
