-- A credit note (an invoice event whose kind is credit_note) into sales_creditmemo.
-- invoice_id points at the corrected invoice when the ERP names one.
INSERT INTO sales_creditmemo (store_id, order_id, invoice_id, state, increment_id, transaction_id,
                              order_currency_code, grand_total, tax_amount, created_at, updated_at)
SELECT store_id, entity_id,
       (SELECT v.entity_id FROM sales_invoice v
         WHERE v.order_id = sales_order.entity_id AND v.transaction_id = :invoice.againstInvoiceId),
       2, :invoice.number, :invoice.invoiceId, :invoice.currency,
       :invoice.amount, :invoice.tax, :invoice.issuedAt, :occurredAt
  FROM sales_order
 WHERE increment_id = :orderId;
