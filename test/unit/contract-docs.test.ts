import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../src/contracts/events';
import { totalRuleBreach } from '../../src/contracts/total-rule';

// The examples in docs/message-contract.md are messages a producer may copy: each must be valid.
const doc = readFileSync(path.join(__dirname, '../../docs/message-contract.md'), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/message-contract.md examples', () => {
  it('has the order and the credit note examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((text, i) => [i, text] as const))('example %i decodes', (_i, text) => {
    const { orderId } = JSON.parse(text) as { orderId: string };
    const r = decodeMessage(orderId, text, 256 * 1024);
    if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
    if (r.event.type !== 'invoice_creation') expect(totalRuleBreach(r.event.data)).toBeNull();
    else expect(r.event.data.kind).toBe('credit_note');
  });
});
