import type { Logger } from 'pino';
import type { RedisLink } from '../cluster/redis.js';
import type { Bus, BusEvent } from './bus.js';

/**
 * The cluster bus over Redis pub/sub: an event published on one node reaches
 * the subscribers of every node. This node's own subscribers get it at once,
 * in process (as with `LocalBus`); the other nodes get it from the channel
 * `<prefix>bus`, in the order this node published (one connection keeps
 * order), tagged with the publishing node so no node handles its own twice.
 *
 * Pub/sub delivers at most once: a node whose subscription dropped misses
 * what was published meanwhile. Nothing is lost by that — every message is in
 * the database before it is published — and a connection that sees a seq
 * after a gap reads the gap from the log (`Connection.deliver`); when the
 * subscription comes back, `onResync` handlers run so every connection
 * catches up at once instead of at its next message.
 */
export class RedisBus implements Bus {
  private readonly handlers = new Set<(event: BusEvent) => void>();
  private readonly resyncHandlers = new Set<() => void>();
  private readonly channel: string;
  private readonly tag: string;
  private subscribedOnce = false;

  constructor(
    private readonly link: RedisLink,
    private readonly log: Logger,
  ) {
    this.channel = `${link.prefix}bus`;
    this.tag = `${link.nodeId}\n`;
  }

  /**
   * Subscribes to the channel; resolves once subscribed.
   * @throws Error when Redis refuses the subscription.
   */
  async start(): Promise<void> {
    this.link.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    // ioredis re-subscribes after a reconnect; what was published in between was missed.
    this.link.subscriber.on('ready', () => {
      if (!this.subscribedOnce) return;
      for (const handler of this.resyncHandlers) handler();
    });
    await this.link.subscriber.subscribe(this.channel);
    this.subscribedOnce = true;
  }

  publish(event: BusEvent): void {
    for (const handler of this.handlers) handler(event);
    this.link.command.publish(this.channel, this.tag + JSON.stringify(event)).catch((err: unknown) => {
      // Messages are in the database: other nodes' connections read them at their next message or at resync.
      this.log.warn({ kind: event.kind, err: { message: (err as Error).message } }, 'bus publish failed');
    });
  }

  subscribe(handler: (event: BusEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  private receive(text: string): void {
    if (text.startsWith(this.tag)) return;
    const newline = text.indexOf('\n');
    let event: BusEvent;
    try {
      event = JSON.parse(text.slice(newline + 1)) as BusEvent;
    } catch {
      this.log.warn('bus event unreadable; dropped');
      return;
    }
    for (const handler of this.handlers) handler(event);
  }
}
