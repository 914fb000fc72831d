import type { MessageHandler } from '@nestjs/microservices';
import type { MessageType } from '../../domain/messages';
import {
  ConsumerComponent,
  componentKey,
  handlerPattern,
  parseHandlerPattern,
} from '../consumer-components';

/** A process whose @OnMessage handlers do not match what its consumers receive. */
export class HandlerMismatchError extends Error {}

/**
 * The handler of each message type each consumer component receives, looked up once. Checked
 * at start-up against the components' `handles` lists: a type routed to a component with no
 * handler, or with two, stops the process with a message (it would otherwise show up as dead
 * letters, or as double effects, at run time).
 */
export class HandlerRegistry {
  private readonly byPattern = new Map<string, MessageHandler>();

  constructor(
    handlers: Map<string, MessageHandler>,
    private readonly components: ConsumerComponent[],
  ) {
    const problems: string[] = [];
    const expected = new Set(
      components.flatMap((component) =>
        component.handles.map((type) => handlerPattern(component, type)),
      ),
    );
    for (const [pattern, handler] of handlers) {
      const { component, type } = parseHandlerPattern(pattern);
      if (handler.next) problems.push(`${component} has two handlers for ${type}`);
      const known = this.components.some((c) => componentKey(c) === component);
      if (!known) {
        problems.push(
          `${component} has a handler for ${type}, but this process runs no ${component}`,
        );
      } else if (!expected.has(pattern)) {
        problems.push(`${component} has a handler for ${type}, which is never routed to it`);
      }
      this.byPattern.set(pattern, handler);
    }
    for (const component of components) {
      for (const type of component.handles) {
        if (!handlers.has(handlerPattern(component, type))) {
          problems.push(`${componentKey(component)} receives ${type} but has no handler for it`);
        }
      }
    }
    if (problems.length > 0) {
      throw new HandlerMismatchError(
        `message handlers do not fit the consumers: ${problems.join('; ')}`,
      );
    }
  }

  handlerFor(component: ConsumerComponent, type: MessageType): MessageHandler | null {
    return this.byPattern.get(handlerPattern(component, type)) ?? null;
  }
}
