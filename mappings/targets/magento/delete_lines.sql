-- The snapshot's lines replace the order's items (replace_lines.sql inserts them in order).
DELETE FROM sales_order_item
 WHERE order_id = (SELECT entity_id FROM sales_order WHERE increment_id = :orderId);
