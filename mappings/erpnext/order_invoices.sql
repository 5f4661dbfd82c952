-- The submitted Sales Invoices of the given Sales Orders, for a replay.
SELECT si.name                    AS invoice_id,
       sii.sales_order            AS order_id,
       si.name                    AS number,
       ABS(si.grand_total)             AS amount,
       ABS(si.total_taxes_and_charges) AS tax,
       CASE WHEN si.is_return = 1 THEN 'credit_note' ELSE 'invoice' END AS kind,
       si.return_against               AS against_invoice_id,
       si.currency                AS currency,
       si.posting_date            AS issued_at,
       si.modified                AS marker
  FROM `tabSales Invoice` si
  JOIN (SELECT DISTINCT parent, sales_order FROM `tabSales Invoice Item` WHERE sales_order IN (:order_ids)) sii
    ON sii.parent = si.name
 WHERE si.docstatus = 1
 ORDER BY si.modified, si.name
