-- Submitted or cancelled Sales Orders changed after (:since, :after_id), by
-- `modified`, then `name`. Submitting an invoice updates the order's status
-- with update_modified=False, so `modified` does not move: the invoice's own
-- `modified` counts as a change of its order too.
SELECT order_id, marker
FROM (
  SELECT so.name AS order_id, so.modified AS marker
    FROM `tabSales Order` so
   WHERE so.docstatus > 0
  UNION ALL
  SELECT sii.sales_order AS order_id, si.modified AS marker
    FROM `tabSales Invoice` si
    JOIN `tabSales Invoice Item` sii ON sii.parent = si.name
   WHERE si.docstatus > 0 AND sii.sales_order IS NOT NULL
) changed
WHERE marker > :since OR (marker = :since AND order_id > :after_id)
GROUP BY order_id, marker
ORDER BY marker, order_id
LIMIT :limit
