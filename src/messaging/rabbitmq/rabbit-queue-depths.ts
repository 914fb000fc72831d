import { Injectable } from '@nestjs/common';
import { QueueDepths } from '../messaging.port';
import { Topology } from '../topology';
import { BrokerConnection } from './broker-connection';

/** Queue depths from the broker (queue.declare passive on a spare channel). */
@Injectable()
export class RabbitQueueDepths extends QueueDepths {
  constructor(
    private readonly topology: Topology,
    private readonly broker: BrokerConnection,
  ) {
    super();
  }

  eventsWaiting(): Promise<number> {
    const queue = this.topology.events.main.name;
    return this.broker.withSpareChannel(
      async (channel) => (await channel.checkQueue(queue)).messageCount,
    );
  }
}
