import type { CursorRepository } from '../../db/cursor-repository';
import { countSeqs, inRanges } from '../cursor';
import type { PollCursor } from '../cursor';
import type { ErpFeed, FeedPage } from '../feed';
import type { ErpSource } from '../source';

/** The outbox read as a feed: the gap-aware cursor saved in `poll_cursor` under `name`. */
export class OutboxFeed implements ErpFeed {
  constructor(
    private readonly source: ErpSource,
    private readonly cursors: CursorRepository,
    private readonly name: string,
    /** The outbox's highest sequence; absent, the backlog counts only the cursor's gaps. */
    private readonly highestSeq?: () => Promise<number>,
  ) {}

  async next(limit: number): Promise<FeedPage> {
    const cursor = await this.cursors.load(this.name);
    const { events, nextCursor, droppedGaps, forgotten } = await this.source.fetchEvents(
      cursor,
      limit,
    );
    // Rows in a range given up at the gap TTL: committed later than the TTL, produced now.
    const late = events.filter((e) => inRanges(cursor.dropped ?? [], e.seq));
    // An empty re-read that changed nothing writes nothing.
    const changed = events.length > 0 || droppedGaps.length > 0 || !sameCursor(cursor, nextCursor);
    return {
      events,
      droppedGaps,
      late,
      forgotten: forgotten ?? [],
      full: events.length >= limit,
      before: { position: cursor.position, gaps: countSeqs(cursor.gaps) },
      after: { position: nextCursor.position, gaps: countSeqs(nextCursor.gaps) },
      commit: () => (changed ? this.cursors.save(this.name, nextCursor) : Promise.resolve()),
    };
  }

  async backlog() {
    const [high, cursor] = await Promise.all([
      this.highestSeq?.() ?? Promise.resolve(0),
      this.cursors.load(this.name),
    ]);
    return { lag: Math.max(0, high - cursor.position), gaps: countSeqs(cursor.gaps) };
  }
}

function sameCursor(a: PollCursor, b: PollCursor): boolean {
  return (
    a.position === b.position &&
    JSON.stringify(a.gaps) === JSON.stringify(b.gaps) &&
    JSON.stringify(a.dropped ?? []) === JSON.stringify(b.dropped ?? [])
  );
}
