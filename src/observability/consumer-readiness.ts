import type { Consumer } from 'kafkajs';
import type { CheckResult } from './http-server';

type MemberState = 'connecting' | 'joined' | 'rebalancing' | 'crashed' | 'stopped';

/**
 * Whether this consumer process can do its work: its current kafkajs member
 * has joined the group and holds its assignment. An empty assignment is fine
 * (more members than partitions); a rebalance, a crash awaiting its
 * replacement member, or a stopped member is not.
 */
export class ConsumerReadiness {
  private member: Consumer | null = null;
  private state: MemberState = 'connecting';
  private assignment: Record<string, number[]> = {};
  private since = Date.now();

  /** Follow a member; pass it to `OrderEventConsumer`'s `onMember` option. */
  readonly watch = (member: Consumer): void => {
    this.member = member;
    this.set('connecting', {});
    const mine = (f: () => void) => () => {
      if (this.member === member) f();
    };
    member.on(member.events.GROUP_JOIN, (e) =>
      mine(() => this.set('joined', e.payload.memberAssignment))(),
    );
    member.on(
      member.events.REBALANCING,
      mine(() => this.set('rebalancing', {})),
    );
    member.on(
      member.events.CRASH,
      mine(() => this.set('crashed', {})),
    );
    member.on(
      member.events.STOP,
      mine(() => this.set('stopped', {})),
    );
    member.on(
      member.events.DISCONNECT,
      mine(() => this.set('stopped', {})),
    );
  };

  private set(state: MemberState, assignment: Record<string, number[]>) {
    this.state = state;
    this.assignment = assignment;
    this.since = Date.now();
  }

  /** Partitions held, by topic (empty unless joined). */
  partitions(): Record<string, number[]> {
    return this.state === 'joined' ? this.assignment : {};
  }

  check(): CheckResult {
    const held = Object.values(this.assignment).reduce((n, p) => n + p.length, 0);
    const detail = {
      member: this.state,
      since: new Date(this.since).toISOString(),
      ...(this.state === 'joined'
        ? {
            partitions: held,
            ...(held === 0 ? { note: 'no partitions: more members than partitions' } : {}),
          }
        : {}),
    };
    return { ok: this.state === 'joined', detail };
  }
}
