import {
  DynamicModule,
  Global,
  INestApplication,
  Injectable,
  Module,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import {
  ConsumerControl,
  DeadLetterAdmin,
  MessagePublisher,
  TopologyAdmin,
} from './messaging.port';
import { BrokerConnection } from './rabbitmq/broker-connection';
import { AttuneTransportServer } from './rabbitmq/consumer-server';
import { RabbitDeadLetterAdmin } from './rabbitmq/rabbit-dead-letter-admin';
import { RabbitPublisher } from './rabbitmq/rabbit-publisher';
import { RabbitTopologyAdmin } from './rabbitmq/rabbit-topology-admin';
import { TopologyManager } from './rabbitmq/topology-manager';
import { Topology } from './topology';

/** Connects and keeps the topology declared from module init on, without blocking start-up. */
@Injectable()
class MessagingStarter implements OnModuleInit {
  constructor(
    private readonly broker: BrokerConnection,
    private readonly topologyAdmin: RabbitTopologyAdmin,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.broker.start();
    this.topologyAdmin.startDeclaring();
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: Topology, useValue: new Topology(config.messaging) },
        BrokerConnection,
        TopologyManager,
        RabbitTopologyAdmin,
        RabbitPublisher,
        RabbitDeadLetterAdmin,
        AttuneTransportServer,
        MessagingStarter,
        { provide: TopologyAdmin, useExisting: RabbitTopologyAdmin },
        { provide: MessagePublisher, useExisting: RabbitPublisher },
        { provide: DeadLetterAdmin, useExisting: RabbitDeadLetterAdmin },
        { provide: ConsumerControl, useExisting: AttuneTransportServer },
      ],
      exports: [
        Topology,
        BrokerConnection,
        AttuneTransportServer,
        RabbitTopologyAdmin,
        TopologyAdmin,
        MessagePublisher,
        DeadLetterAdmin,
        ConsumerControl,
      ],
    };
  }
}

/** Plugs the Attune transport into a Nest app; call before app.startAllMicroservices(). */
export function connectMessageConsumers(app: INestApplication): void {
  app.connectMicroservice(
    { strategy: app.get(AttuneTransportServer) },
    { inheritAppConfig: false },
  );
}
