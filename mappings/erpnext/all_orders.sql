-- Every submitted or cancelled Sales Order after :after_id, by name: the
-- reconciliation's full sweep pages through these.
SELECT so.name AS order_id
  FROM `tabSales Order` so
 WHERE so.docstatus > 0 AND so.name > :after_id
 ORDER BY so.name
 LIMIT :limit
