-- Submitted Sales Invoices changed after (:since, :after_id), each with the
-- Sales Order its items name. Returns (credit notes, is_return = 1) carry
-- negative totals and are left out of this contract version.
SELECT si.name                    AS invoice_id,
       MIN(sii.sales_order)       AS order_id,
       si.name                    AS number,
       si.grand_total             AS amount,
       si.total_taxes_and_charges AS tax,
       si.currency                AS currency,
       si.posting_date            AS issued_at,
       si.modified                AS marker
  FROM `tabSales Invoice` si
  JOIN `tabSales Invoice Item` sii ON sii.parent = si.name AND sii.sales_order IS NOT NULL
 WHERE si.docstatus = 1 AND si.is_return = 0
   AND (si.modified > :since OR (si.modified = :since AND si.name > :after_id))
 GROUP BY si.name, si.grand_total, si.total_taxes_and_charges, si.currency, si.posting_date, si.modified
 ORDER BY si.modified, si.name
 LIMIT :limit
