import type { Bus, BusEvent } from './bus.js';

/** The single-process bus: delivers synchronously to the subscribers in this process. */
export class LocalBus implements Bus {
  private readonly handlers = new Set<(event: BusEvent) => void>();

  publish(event: BusEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** A single process misses nothing: `handler` never runs. */
  onResync(_handler: () => void): () => void {
    return () => undefined;
  }
}
