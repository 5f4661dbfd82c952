-- One line of the snapshot. item_id grows with each insert, so items read back in line order.
INSERT INTO sales_order_item (order_id, store_id, sku, qty_ordered, price, row_total, created_at, updated_at)
SELECT entity_id, store_id, :line.sku, :line.qty, :line.unitPrice, :line.qty * :line.unitPrice,
       :occurredAt, :occurredAt
  FROM sales_order
 WHERE increment_id = :orderId;

UPDATE sales_order
   SET total_qty_ordered = COALESCE(total_qty_ordered, 0) * (:line.no > 1) + :line.qty
 WHERE increment_id = :orderId;
