import { describe, expect, it } from 'vitest';
import { replicationFactorFor, replicationWarnings } from '../../src/kafka/replication';

describe('replicationFactorFor', () => {
  it('asks for three copies from three brokers up, the broker default below', () => {
    expect(replicationFactorFor(1)).toBe(-1);
    expect(replicationFactorFor(2)).toBe(-1);
    expect(replicationFactorFor(3)).toBe(3);
    expect(replicationFactorFor(5)).toBe(3);
  });
});

describe('replicationWarnings', () => {
  const topic = (replicationFactor: number, minInsyncReplicas: number) => ({
    topic: 'orders.online',
    replicationFactor,
    minInsyncReplicas,
  });

  it('accepts RF 3 with min.insync.replicas 2 on three brokers, and RF 1 on one', () => {
    expect(replicationWarnings(3, [topic(3, 2)])).toEqual([]);
    expect(replicationWarnings(5, [topic(3, 2)])).toEqual([]);
    expect(replicationWarnings(1, [topic(1, 1)])).toEqual([]);
  });

  it('warns about fewer replicas than the cluster allows', () => {
    const [w, ...rest] = replicationWarnings(3, [topic(1, 1)]);
    expect(rest).toEqual([]);
    expect(w?.topic).toBe('orders.online');
    expect(w?.message).toMatch(/replication factor 1 on a cluster of 3 brokers.*raise it to 3/);
    expect(replicationWarnings(2, [topic(1, 1)])[0]?.message).toMatch(/raise it to 2/);
  });

  it('warns when acks=all is satisfied by one copy of several', () => {
    const warnings = replicationWarnings(3, [topic(3, 1)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/min.insync.replicas 1 with 3 replicas/);
  });

  it('warns when min.insync.replicas exceeds the replicas, since every write then fails', () => {
    const warnings = replicationWarnings(1, [topic(1, 2)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/every write with acks=all fails/);
  });
});
