-- Every confirmed, done or cancelled sale order after :after_id, by name: the
-- reconciliation's full sweep pages through these. Quotations are not orders yet.
SELECT so.name AS order_id
  FROM sale_order so
 WHERE so.state IN ('sale', 'done', 'cancel') AND so.name > :after_id
 ORDER BY so.name
 LIMIT :limit
