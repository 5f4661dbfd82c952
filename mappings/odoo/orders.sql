-- One row per product line of the given orders, the header repeated. Section
-- and note lines (display_type set) are not products. The channel is the sales
-- team's name, or `export` for a delivery outside the company's country; a
-- fully delivered confirmed order reads as `sale/delivered`. Line discounts are
-- a percentage in Odoo and an amount for the whole line in the contract;
-- price_tax is a float column, so it is rounded to cents.
SELECT so.name                             AS order_id,
       CASE WHEN c.code <> 'DE' THEN 'export' ELSE COALESCE(t.name ->> 'en_US', 'Sales') END AS channel,
       CASE WHEN so.state = 'sale' AND so.delivery_status = 'full' THEN 'sale/delivered'
            ELSE so.state END              AS erp_status,
       cur.name                            AS currency,
       so.amount_total                     AS total,
       COALESCE(p.ref, 'res.partner/' || p.id) AS customer_id,
       p.name                              AS customer_name,
       p.email                             AS customer_email,
       p.phone                             AS customer_phone,
       sp.street                           AS ship_line1,
       sp.street2                          AS ship_line2,
       sp.city                             AS ship_city,
       COALESCE(sp.zip, '')                AS ship_postal_code,
       c.code                              AS ship_country,
       bp.street                           AS bill_line1,
       bp.street2                          AS bill_line2,
       bp.city                             AS bill_city,
       COALESCE(bp.zip, '')                AS bill_postal_code,
       bc.code                             AS bill_country,
       sol.sequence                        AS line_no,
       pp.default_code                     AS sku,
       sol.product_uom_qty                 AS qty,
       sol.price_unit                      AS unit_price,
       sol.name                            AS line_name,
       ROUND(sol.product_uom_qty * sol.price_unit * sol.discount / 100, 2) AS line_discount,
       ROUND(sol.price_tax::numeric, 2)    AS line_tax
  FROM sale_order so
  JOIN res_partner p ON p.id = so.partner_id
  JOIN res_partner sp ON sp.id = so.partner_shipping_id
  LEFT JOIN res_country c ON c.id = sp.country_id
  JOIN res_partner bp ON bp.id = so.partner_invoice_id
  LEFT JOIN res_country bc ON bc.id = bp.country_id
  JOIN res_currency cur ON cur.id = so.currency_id
  LEFT JOIN crm_team t ON t.id = so.team_id
  JOIN sale_order_line sol ON sol.order_id = so.id AND sol.display_type IS NULL
  JOIN product_product pp ON pp.id = sol.product_id
 WHERE so.name IN (:order_ids)
 ORDER BY so.name, sol.sequence, sol.id
