-- Confirmed (or cancelled) sale orders changed after (:since, :after_id).
-- An edit of a line writes the line's write_date; the order's own counts too.
-- Quotations (state draft) are not orders yet.
SELECT order_id, marker
  FROM (SELECT so.name AS order_id, so.write_date AS marker
          FROM sale_order so
         WHERE so.state IN ('sale', 'done', 'cancel')
        UNION ALL
        SELECT so.name, sol.write_date
          FROM sale_order_line sol
          JOIN sale_order so ON so.id = sol.order_id
         WHERE so.state IN ('sale', 'done', 'cancel')) changed
 WHERE marker > :since OR (marker = :since AND order_id > :after_id)
 GROUP BY order_id, marker
 ORDER BY marker, order_id
 LIMIT :limit
