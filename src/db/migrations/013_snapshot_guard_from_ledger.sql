-- Run once every worker of the release before 012 has stopped (see
-- docs/target-mapping.md, "Upgrading"). Until then those workers may write
-- orders the state table does not know, or a snapshot_version of 0.
--
-- The guard never goes below what the ledger says was applied: for every
-- order, snapshot_version becomes at least the newest applied snapshot version
-- in the ledger, and erp_version at least the newest applied event's.

INSERT INTO ordersync_order_state
  (order_id, snapshot_version, erp_version, last_event_type, currency, state, updated_at)
SELECT o.order_id, o.snapshot_version, o.erp_version, o.last_event_type, o.currency,
       'created', o.updated_at
  FROM orders o
 WHERE NOT EXISTS (SELECT 1 FROM ordersync_order_state s WHERE s.order_id = o.order_id);

UPDATE ordersync_order_state s
  JOIN (SELECT order_id, MAX(erp_version) AS v
          FROM ordersync_applied_events
         WHERE outcome = 'applied' AND type IN ('order_creation', 'order_updation')
         GROUP BY order_id) a ON a.order_id = s.order_id
   SET s.snapshot_version = a.v
 WHERE s.snapshot_version < a.v;

UPDATE ordersync_order_state s
  JOIN (SELECT order_id, MAX(erp_version) AS v
          FROM ordersync_applied_events
         WHERE outcome = 'applied'
         GROUP BY order_id) a ON a.order_id = s.order_id
   SET s.erp_version = a.v
 WHERE s.erp_version < a.v;

-- The built-in row's copy of the guard, for readers of today's tables.
UPDATE orders o
  JOIN ordersync_order_state s ON s.order_id = o.order_id
   SET o.snapshot_version = s.snapshot_version
 WHERE o.snapshot_version < s.snapshot_version;

INSERT IGNORE INTO ordersync_invoice_owners (invoice_id, order_id)
SELECT invoice_id, order_id FROM invoices;

UPDATE ordersync_order_state s
   SET s.state = 'invoiced'
 WHERE s.state <> 'invoiced'
   AND EXISTS (SELECT 1 FROM ordersync_invoice_owners i WHERE i.order_id = s.order_id);

DROP VIEW IF EXISTS applied_events;

DROP VIEW IF EXISTS order_locks;
