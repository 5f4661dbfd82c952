-- Submitted Sales Invoices changed after (:since, :after_id), each with the
-- Sales Order its items name. A return (is_return = 1) is a credit note
-- against `return_against`; ERPNext stores its totals negative, the contract
-- positive.
SELECT si.name                    AS invoice_id,
       MIN(sii.sales_order)       AS order_id,
       si.name                    AS number,
       ABS(si.grand_total)             AS amount,
       ABS(si.total_taxes_and_charges) AS tax,
       CASE WHEN si.is_return = 1 THEN 'credit_note' ELSE 'invoice' END AS kind,
       si.return_against               AS against_invoice_id,
       si.currency                AS currency,
       si.posting_date            AS issued_at,
       si.modified                AS marker
  FROM `tabSales Invoice` si
  JOIN `tabSales Invoice Item` sii ON sii.parent = si.name AND sii.sales_order IS NOT NULL
 WHERE si.docstatus = 1
   AND (si.modified > :since OR (si.modified = :since AND si.name > :after_id))
 GROUP BY si.name, si.grand_total, si.total_taxes_and_charges, si.is_return, si.return_against,
          si.currency, si.posting_date, si.modified
 ORDER BY si.modified, si.name
 LIMIT :limit
