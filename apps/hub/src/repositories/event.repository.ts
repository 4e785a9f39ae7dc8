import { Inject, Injectable } from '@nestjs/common';
import type { HubEvent, HubEventPayloads } from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { LOGGER } from './tokens';

export type HubEventListener = <E extends HubEvent>(event: E, payload: HubEventPayloads[E]) => void;

/**
 * In-process event bus: services emit, the socket.io gateway forwards. Names and payloads are the protocol's
 * HUB_EVENT_SCHEMAS (the dashboard subscribes through the same table). A failing listener is logged and contained.
 */
@Injectable()
export class EventRepository {
  private readonly listeners = new Set<HubEventListener>();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  emit<E extends HubEvent>(event: E, payload: HubEventPayloads[E]): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch (err) {
        this.logger.error({ err, event }, 'event listener failed');
      }
    }
  }

  onAny(listener: HubEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
