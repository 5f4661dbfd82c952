-- The posted customer invoices of the given sale orders, for a replay.
SELECT am.name AS invoice_id, am.invoice_origin AS order_id, am.name AS number,
       am.amount_total AS amount, am.amount_tax AS tax, cur.name AS currency,
       am.invoice_date AS issued_at, am.write_date AS marker
  FROM account_move am
  JOIN res_currency cur ON cur.id = am.currency_id
 WHERE am.move_type = 'out_invoice' AND am.state = 'posted' AND am.invoice_origin IN (:order_ids)
 ORDER BY am.write_date, am.name
