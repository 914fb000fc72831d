import {
  DynamicModule,
  Global,
  INestApplication,
  Injectable,
  Module,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CONSUMER_COMPONENTS, CONSUMERS, ConsumerComponent } from './consumer-components';
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

/** Starts connecting at module init, without blocking start-up. */
@Injectable()
class MessagingStarter implements OnModuleInit {
  constructor(private readonly broker: BrokerConnection) {}

  async onModuleInit(): Promise<void> {
    await this.broker.start();
  }
}

@Global()
@Module({})
export class MessagingModule {
  /** `components` defaults to Attune's own consumer components (tests add probes). */
  static forRoot(
    config: AppConfig,
    components: ConsumerComponent[] = Object.values(CONSUMERS),
  ): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: CONSUMER_COMPONENTS, useValue: components },
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
