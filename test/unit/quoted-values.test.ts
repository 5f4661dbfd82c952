import { describe, expect, it } from 'vitest';
import { withoutQuotedValues } from '../../activities/apply-order-events';

describe('withoutQuotedValues', () => {
  it('cuts the rejected value out of a MySQL message and keeps the column', () => {
    expect(
      withoutQuotedValues(
        "Incorrect string value: '\\xF0\\x9F\\x98 jane@example.com' for column 'customer' at row 1",
      ),
    ).toBe("Incorrect string value: '…' for column 'customer' at row 1");
    expect(withoutQuotedValues("Duplicate entry 'o''brien@example.ie' for key 'uq_email'")).toBe(
      "Duplicate entry '…''…' for key 'uq_email'",
    );
    expect(withoutQuotedValues("Data too long for column 'sku' at row 2")).toBe(
      "Data too long for column 'sku' at row 2",
    );
  });
});
