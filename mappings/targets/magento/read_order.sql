-- The stored order in the contract's shape, for the oracle and reconciliation.
-- Columns are named by contract paths; line.* rows are lines, invoice.* rows invoices.
SELECT o.store_name AS `channel`,
       o.status AS `status`,
       o.order_currency_code AS `currency`,
       o.grand_total AS `total`,
       o.tax_amount AS `taxTotal`,
       o.shipping_amount AS `shippingTotal`,
       o.discount_amount AS `discountTotal`,
       o.ext_customer_id AS `customer.id`,
       CONCAT_WS(' ', o.customer_firstname, o.customer_lastname) AS `customer.name`,
       o.customer_email AS `customer.email`,
       a.telephone AS `customer.phone`,
       SUBSTRING_INDEX(a.street, CHAR(10), 1) AS `shippingAddress.line1`,
       IF(LOCATE(CHAR(10), a.street) > 0, SUBSTRING(a.street, LOCATE(CHAR(10), a.street) + 1), NULL)
         AS `shippingAddress.line2`,
       a.city AS `shippingAddress.city`,
       a.postcode AS `shippingAddress.postalCode`,
       a.country_id AS `shippingAddress.country`
  FROM sales_order o
  LEFT JOIN sales_order_address a ON a.parent_id = o.entity_id AND a.address_type = 'shipping'
 WHERE o.increment_id = :orderId;

SELECT i.sku AS `line.sku`, i.name AS `line.name`, i.qty_ordered AS `line.qty`, i.price AS `line.unitPrice`
  FROM sales_order_item i
  JOIN sales_order o ON o.entity_id = i.order_id
 WHERE o.increment_id = :orderId
 ORDER BY i.item_id;

SELECT v.transaction_id AS `invoice.invoiceId`, v.increment_id AS `invoice.number`,
       v.grand_total AS `invoice.amount`, v.tax_amount AS `invoice.tax`,
       v.order_currency_code AS `invoice.currency`, v.created_at AS `invoice.issuedAt`,
       NULL AS `invoice.kind`, NULL AS `invoice.againstInvoiceId`
  FROM sales_invoice v
  JOIN sales_order o ON o.entity_id = v.order_id
 WHERE o.increment_id = :orderId
UNION ALL
SELECT c.transaction_id, c.increment_id, c.grand_total, c.tax_amount, c.order_currency_code, c.created_at,
       'credit_note', ci.transaction_id
  FROM sales_creditmemo c
  LEFT JOIN sales_invoice ci ON ci.entity_id = c.invoice_id
  JOIN sales_order o ON o.entity_id = c.order_id
 WHERE o.increment_id = :orderId;
