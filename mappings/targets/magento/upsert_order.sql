-- One order snapshot into sales_order and its shipping address. An order is
-- found by increment_id (the ERP's order id), so a channel change moves it to
-- another store instead of creating a second order. The channel picks the
-- store (online 1, store 2, international 3) and is kept in store_name.
UPDATE sales_order
   SET store_id = CASE :channel WHEN 'online' THEN 1 WHEN 'store' THEN 2 ELSE 3 END,
       store_name = :channel,
       state = CASE :status
                 WHEN 'pending' THEN 'new'
                 WHEN 'cancelled' THEN 'canceled'
                 WHEN 'delivered' THEN 'complete'
                 ELSE 'processing'
               END,
       status = :status,
       ext_customer_id = :customer.id,
       customer_email = :customer.email,
       customer_firstname = SUBSTRING_INDEX(:customer.name, ' ', 1),
       customer_lastname = IF(LOCATE(' ', :customer.name) > 0,
                              SUBSTRING(:customer.name, LOCATE(' ', :customer.name) + 1), NULL),
       order_currency_code = :currency,
       grand_total = :total,
       subtotal = :total,
       tax_amount = :taxTotal,
       shipping_amount = :shippingTotal,
       discount_amount = :discountTotal,
       total_item_count = :lineCount,
       updated_at = :occurredAt
 WHERE increment_id = :orderId;

INSERT INTO sales_order (
  increment_id, store_id, store_name, state, status, ext_customer_id, customer_email,
  customer_firstname, customer_lastname, customer_is_guest, order_currency_code,
  grand_total, subtotal, tax_amount, shipping_amount, discount_amount, total_item_count,
  created_at, updated_at
)
SELECT :orderId,
       CASE :channel WHEN 'online' THEN 1 WHEN 'store' THEN 2 ELSE 3 END,
       :channel,
       CASE :status
         WHEN 'pending' THEN 'new'
         WHEN 'cancelled' THEN 'canceled'
         WHEN 'delivered' THEN 'complete'
         ELSE 'processing'
       END,
       :status,
       :customer.id,
       :customer.email,
       SUBSTRING_INDEX(:customer.name, ' ', 1),
       IF(LOCATE(' ', :customer.name) > 0, SUBSTRING(:customer.name, LOCATE(' ', :customer.name) + 1), NULL),
       0,
       :currency,
       :total,
       :total,
       :taxTotal,
       :shippingTotal,
       :discountTotal,
       :lineCount,
       :occurredAt,
       :occurredAt
  FROM DUAL
 WHERE NOT EXISTS (SELECT 1 FROM sales_order WHERE increment_id = :orderId);

DELETE FROM sales_order_address
 WHERE address_type = 'shipping'
   AND parent_id = (SELECT entity_id FROM sales_order WHERE increment_id = :orderId);

-- street holds line1 and line2 on two lines, as Magento keeps a street.
INSERT INTO sales_order_address (parent_id, address_type, firstname, lastname, email, street, city, postcode,
                                 country_id, telephone)
SELECT entity_id, 'shipping', customer_firstname, customer_lastname, customer_email,
       CONCAT_WS(CHAR(10), :shippingAddress.line1, :shippingAddress.line2),
       :shippingAddress.city, :shippingAddress.postalCode, :shippingAddress.country, :customer.phone
  FROM sales_order
 WHERE increment_id = :orderId;
