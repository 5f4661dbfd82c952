-- One line of the snapshot. item_id grows with each insert, so items read back in line order.
INSERT INTO sales_order_item (order_id, store_id, sku, name, qty_ordered, price, row_total, tax_amount,
                              discount_amount, created_at, updated_at)
SELECT entity_id, store_id, :line.sku, :line.name, :line.qty, :line.unitPrice, :line.qty * :line.unitPrice,
       COALESCE(:line.tax, 0), COALESCE(:line.discount, 0), :occurredAt, :occurredAt
  FROM sales_order
 WHERE increment_id = :orderId;

UPDATE sales_order
   SET total_qty_ordered = COALESCE(total_qty_ordered, 0) * (:line.no > 1) + :line.qty
 WHERE increment_id = :orderId;
