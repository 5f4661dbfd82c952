// Orders move to another sales channel in the middle of their life, so their
// later events arrive on another topic and partition than their earlier ones.
import { channelChangeTraffic } from '../channel-change';
import { result, withTraffic } from '../harness';
import type { Scenario } from '../harness';

export const channelChange: Scenario = async (p) => {
  let moved = 0;
  const { report, recovery, produced } = await withTraffic(
    p,
    {},
    async () => {
      moved = await channelChangeTraffic((o) => p.simulate(o), p.writer);
    },
    { orders: 0 },
  );
  return result(p.name, report, produced, recovery, {
    notes: [`${moved} orders moved to another channel between two updates`, ...p.restarts],
  });
};
