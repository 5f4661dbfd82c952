-- An invoice of an existing order (ordersync defers an invoice until its order exists).
-- The ERP's invoice id is kept in transaction_id, its number in increment_id.
INSERT INTO sales_invoice (store_id, order_id, state, increment_id, transaction_id, order_currency_code,
                           grand_total, tax_amount, created_at, updated_at)
SELECT store_id, entity_id, 2, :invoice.number, :invoice.invoiceId, :invoice.currency,
       :invoice.amount, :invoice.tax, :invoice.issuedAt, :occurredAt
  FROM sales_order
 WHERE increment_id = :orderId;
