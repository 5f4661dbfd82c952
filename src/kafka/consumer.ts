import type { Consumer, Kafka } from 'kafkajs';
import type { Topics } from '../contracts/topics';
import { BatchTransport } from './batch-transport';
import type { TransportHooks } from './batch-transport';
import { createOrderEventHandler } from './order-event-handler';
import type { HandlerHooks, HandlerStats, OrderEventsHandler } from './order-event-handler';
import type { EventProducer } from './producer';
import { eventTopics } from './topics';

export type { OrderEventsHandler } from './order-event-handler';

export interface ConsumerOptions {
  groupId: string;
  maxMessageBytes: number;
  /** Orders handed over at once, across all partitions of one batch. */
  signalConcurrency: number;
  /** Partitions processed at the same time. */
  partitionsConcurrently: number;
  log?: (msg: string) => void;
  hooks?: HandlerHooks & TransportHooks;
  /** Called with every kafkajs member this consumer creates (the first and any replacement), to watch its events. */
  onMember?: (member: Consumer) => void;
}

export interface ConsumerStats extends HandlerStats {
  retries: number;
  /** Times a crashed kafkajs member was replaced by a fresh one. */
  recoveries: number;
}

/**
 * ordersync's consumer-group member: the batch transport reading the channel
 * topics, with the order-event handler plugged in. An offset is committed only
 * when that message and every earlier one in its partition has been handed
 * over (to `deliver` or to the DLQ).
 */
export class OrderEventConsumer {
  private readonly transport: BatchTransport;
  private readonly handlerStats: HandlerStats;

  constructor(
    kafka: Kafka,
    topics: Topics,
    dlq: Pick<EventProducer, 'sendDeadLetters'>,
    deliver: OrderEventsHandler,
    options: ConsumerOptions,
  ) {
    const handler = createOrderEventHandler(dlq, deliver, options);
    this.handlerStats = handler.stats;
    this.transport = new BatchTransport(kafka, handler.handle, {
      groupId: options.groupId,
      topics: eventTopics(topics),
      partitionsConcurrently: options.partitionsConcurrently,
      log: options.log,
      hooks: options.onMember ? { ...options.hooks, onMember: options.onMember } : options.hooks,
    });
  }

  get stats(): ConsumerStats {
    return { ...this.handlerStats, ...this.transport.stats };
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  /** Stop fetching, let in-flight hand-overs finish and commit, then leave the group. */
  stop(): Promise<void> {
    return this.transport.stop();
  }
}
