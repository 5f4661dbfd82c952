-- One row per item of the given Sales Orders, the header repeated. `rate` is
-- the price after the item's own discount, so the lines carry no discount;
-- the order's additional discount, taxes and rounding are header amounts. The
-- channel: orders shipped outside the company's country are `export`,
-- the others go by `order_type`. A cancelled document (docstatus 2) keeps
-- the status it had, so the status column says Cancelled for it here.
SELECT so.name                                   AS order_id,
       CASE WHEN UPPER(c.code) <> 'DE' THEN 'export' ELSE so.order_type END AS channel,
       CASE WHEN so.docstatus = 2 THEN 'Cancelled' ELSE so.status END       AS erp_status,
       so.currency                               AS currency,
       so.rounded_total                          AS total,
       so.total_taxes_and_charges                AS tax_total,
       so.discount_amount                        AS discount_total,
       so.rounding_adjustment                    AS rounding_adjustment,
       so.customer                               AS customer_id,
       so.customer_name                          AS customer_name,
       COALESCE(so.contact_email, a.email_id)    AS customer_email,
       COALESCE(so.contact_phone, a.phone)       AS customer_phone,
       a.address_line1                           AS ship_line1,
       a.address_line2                           AS ship_line2,
       a.city                                    AS ship_city,
       COALESCE(a.pincode, '')                   AS ship_postal_code,
       UPPER(c.code)                             AS ship_country,
       i.idx                                     AS line_no,
       i.item_code                               AS sku,
       i.item_name                               AS line_name,
       i.qty                                     AS qty,
       i.rate                                    AS unit_price
  FROM `tabSales Order` so
  JOIN `tabSales Order Item` i ON i.parent = so.name AND i.parenttype = 'Sales Order'
  LEFT JOIN `tabAddress` a ON a.name = so.shipping_address_name
  LEFT JOIN `tabCountry` c ON c.name = a.country
 WHERE so.name IN (:order_ids) AND so.docstatus > 0
 ORDER BY so.name, i.idx
