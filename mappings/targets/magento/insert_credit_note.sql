-- A credit note (an invoice event whose kind is credit_note) into sales_creditmemo.
INSERT INTO sales_creditmemo (store_id, order_id, state, increment_id, transaction_id, order_currency_code,
                              grand_total, tax_amount, created_at, updated_at)
SELECT store_id, entity_id, 2, :invoice.number, :invoice.invoiceId, :invoice.currency,
       :invoice.amount, :invoice.tax, :invoice.issuedAt, :occurredAt
  FROM sales_order
 WHERE increment_id = :orderId;
