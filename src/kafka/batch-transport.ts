import type { Batch, Consumer, Kafka } from 'kafkajs';
import { BatchAbandonedError, commitOffsetAfter, rejoinError } from './group-errors';

/**
 * What a batch handler may ask of the transport while it works. The handler
 * must resolve only once every message of the batch is safe (handed over or
 * dead-lettered); the transport then commits the whole batch.
 */
export interface BatchContext {
  /** Heartbeats now; throws the coordinator's error when this member must rejoin. */
  heartbeat(what: string): Promise<void>;
  /**
   * Runs `fn` until it succeeds, with capped backoff, heartbeating meanwhile.
   * Gives the batch up (BatchAbandonedError) while failing once the transport
   * stops, the group rebalances, or `wanted` turns false.
   */
  retry(what: string, fn: () => Promise<void>, wanted?: () => boolean): Promise<void>;
  /** True once the coordinator asked this member to rejoin: start no new work. */
  mustRejoin(): boolean;
}

export type BatchHandler = (batch: Batch, ctx: BatchContext) => Promise<void>;

/** Points where a caller (metrics, tests) can observe the transport; none may throw. */
export interface TransportHooks {
  /** A batch's offsets were committed: `offset` is the next one to read. */
  afterCommit?(topic: string, partition: number, offset: string, messages: number): void;
  /** One attempt of a retried call failed. */
  afterRetry?(what: string, err: Error): void;
  /** A crashed kafkajs member was replaced by a fresh one that joined. */
  afterRecovery?(attempts: number): void;
  /** A kafkajs member was created (the first one and every replacement), to watch its events. */
  onMember?(member: Consumer): void;
}

export interface TransportOptions {
  groupId: string;
  topics: string[];
  /** Partitions processed at the same time. */
  partitionsConcurrently: number;
  log?: (msg: string) => void;
  hooks?: TransportHooks;
}

export interface TransportStats {
  retries: number;
  /** Times a crashed kafkajs member was replaced by a fresh one. */
  recoveries: number;
}

/** Longest pause before a crashed member's replacement joins; the first pause is 1 s and doubles. */
const MAX_RECOVERY_DELAY_MS = 30_000;

/**
 * A kafkajs consumer-group member that fetches batches, hands each to a
 * handler, and commits a batch only after the handler resolved. It heartbeats,
 * retries, rejoins when fenced, replaces a crashed member, and shuts down; it
 * knows nothing about what the messages mean.
 */
export class BatchTransport {
  private consumer: Consumer;
  private stopping = false;
  /** Set when the coordinator asked for a rejoin: every batch in flight gives up. */
  private rejoinPending = false;
  private recovering: Promise<void> | null = null;
  private failedReplacement: { member: Consumer; err: Error } | null = null;
  readonly stats: TransportStats = { retries: 0, recoveries: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly handler: BatchHandler,
    private readonly options: TransportOptions,
  ) {
    this.consumer = this.createMember();
  }

  private createMember(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      // A member killed with -9 holds its partitions until its session expires;
      // 10 s bounds that stall. kafkajs heartbeats only when asked, so batches
      // heartbeat after every hand-over and while retrying one.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxBytesPerPartition: 10 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.rejoinPending = false;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.recover(consumer, e.payload.error);
    });
    this.options.hooks?.onMember?.(consumer);
    return consumer;
  }

  private log(msg: string) {
    this.options.log?.(msg);
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      // kafkajs passes plain closures typed as methods; they do not use `this`.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        const alive = () => !this.stopping && !this.rejoinPending && isRunning() && !isStale();
        try {
          await this.handler(batch, this.context(heartbeat, alive));
          await this.commit(batch, heartbeat, resolveOffset);
        } catch (err) {
          if (err instanceof BatchAbandonedError) return; // uncommitted messages are re-read by whoever owns the partition next
          throw err;
        }
      },
    });
  }

  private context(heartbeat: () => Promise<void>, alive: () => boolean): BatchContext {
    return {
      heartbeat: (what) => this.beat(heartbeat, what),
      retry: (what, fn, wanted) =>
        this.retrying(what, fn, heartbeat, wanted ? () => wanted() && alive() : alive),
      mustRejoin: () => this.rejoinPending,
    };
  }

  /**
   * kafkajs gave this member up (for example it was fenced out of the group and
   * its rejoin was refused). Nothing uncommitted is lost: a fresh member rejoins
   * after a pause and re-reads from the committed offsets; the handler must
   * tolerate messages it already saw. The process stays up, as a consumer should.
   */
  private recover(crashed: Consumer, err: Error): void {
    if (this.stopping || crashed !== this.consumer) return;
    if (this.recovering) {
      // A replacement that fails to join crashes inside its own start().
      this.failedReplacement = { member: crashed, err };
      return;
    }
    this.stats.recoveries++;
    this.log(`kafka consumer crashed (${err.message}); a new member will join the group`);
    this.recovering = (async () => {
      for (let attempt = 1; !this.stopping; attempt++) {
        const delay = Math.min(MAX_RECOVERY_DELAY_MS, 1000 * 2 ** Math.min(attempt - 1, 5));
        for (const until = Date.now() + delay; Date.now() < until && !this.stopping;)
          await new Promise((r) => setTimeout(r, 250));
        if (this.stopping) return;
        const member = this.createMember();
        this.consumer = member;
        this.rejoinPending = false;
        let failure: Error | undefined;
        try {
          await this.start();
          if (this.failedReplacement?.member === member) failure = this.failedReplacement.err;
        } catch (e) {
          failure = e as Error;
        }
        if (!failure) {
          this.log(`kafka consumer rejoined the group (attempt ${attempt})`);
          this.options.hooks?.afterRecovery?.(attempt);
          return;
        }
        this.log(`rejoin attempt ${attempt} failed: ${failure.message}`);
        await member.disconnect().catch(() => undefined);
      }
    })().finally(() => {
      this.recovering = null;
      this.failedReplacement = null;
    });
  }

  /** Stop fetching, let in-flight hand-overs finish and commit, then leave the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.recovering;
    await this.consumer.disconnect();
  }

  /** The handler resolved, so every message of the batch is safe and the whole batch may be committed. */
  private async commit(
    batch: Batch,
    heartbeat: () => Promise<void>,
    resolveOffset: (offset: string) => void,
  ): Promise<void> {
    const { topic, partition } = batch;
    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    // resolveOffset moves this member's fetch position; commitOffsets makes it durable.
    resolveOffset(last.offset);
    const offset = commitOffsetAfter(last.offset);
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset }]);
    } catch (err) {
      const rejoin = rejoinError(err);
      if (!rejoin) throw err;
      // Fenced out of the group mid-batch. The messages are handed over, so the
      // partition's next owner re-reads them and the handler ignores the repeats.
      this.log(
        `commit ${topic}/${partition}@${last.offset} refused (${rejoin.message}); rejoining`,
      );
      this.rejoinPending = true;
      throw rejoin; // the unwrapped coordinator error, which kafkajs answers by rejoining
    }
    this.options.hooks?.afterCommit?.(topic, partition, offset, batch.messages.length);
    await this.beat(heartbeat, `${topic}/${partition}`);
  }

  /**
   * Heartbeats. An answer that says the group is rebalancing (or has dropped this
   * member) abandons the batch, uncommitted, so kafkajs can rejoin at once
   * instead of keeping the whole group waiting; other failures, such as a broker
   * restart, are left to the caller's retries.
   */
  private async beat(heartbeat: () => Promise<void>, what: string): Promise<void> {
    try {
      await heartbeat();
    } catch (err) {
      const rejoin = rejoinError(err);
      if (!rejoin) return;
      if (!this.rejoinPending) this.log(`${what}: the group is rebalancing; giving up to rejoin`);
      this.rejoinPending = true;
      throw rejoin;
    }
  }

  /**
   * Runs one hand-over while heartbeating every second. kafkajs sends heartbeats
   * only when asked, so a slow call (seconds on a loaded machine) would otherwise
   * let the 10 s session lapse and fence this member out mid-batch. A rebalance
   * noticed meanwhile is raised once the call has settled.
   */
  private async heartbeating(
    fn: () => Promise<void>,
    heartbeat: () => Promise<void>,
    what: string,
  ): Promise<void> {
    let rejoin: Error | undefined;
    const timer = setInterval(() => {
      this.beat(heartbeat, what).catch((err: unknown) => {
        rejoin ??= err as Error;
      });
    }, 1000);
    try {
      await fn();
    } finally {
      clearInterval(timer);
    }
    if (rejoin !== undefined) throw rejoin;
  }

  /**
   * Retries a hand-over until it succeeds, with capped exponential backoff,
   * heartbeating so the group keeps this member while Temporal or Kafka is down.
   */
  private async retrying(
    what: string,
    fn: () => Promise<void>,
    heartbeat: () => Promise<void>,
    alive: () => boolean,
  ): Promise<void> {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      // A stop request lets working hand-overs finish so the batch can commit;
      // only a failing one is abandoned (uncommitted, so it is re-read later).
      try {
        await this.heartbeating(fn, heartbeat, what);
        return;
      } catch (err) {
        if (rejoinError(err)) throw err;
        this.stats.retries++;
        this.options.hooks?.afterRetry?.(what, err as Error);
        if (attempt === 1 || attempt % 10 === 0) {
          this.log(`${what} failed (attempt ${attempt}), retrying: ${(err as Error).message}`);
        }
      }
      const until = Date.now() + delay;
      while (Date.now() < until) {
        if (!alive()) throw new BatchAbandonedError(what);
        // A rebalance must not wait for the downstream to come back.
        await this.beat(heartbeat, what);
        await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
