-- Posted customer invoices changed after (:since, :after_id); invoice_origin
-- names the sale order. Credit notes (out_refund) are left out of this
-- contract version.
SELECT am.name            AS invoice_id,
       am.invoice_origin  AS order_id,
       am.name            AS number,
       am.amount_total    AS amount,
       am.amount_tax      AS tax,
       cur.name           AS currency,
       am.invoice_date    AS issued_at,
       am.write_date      AS marker
  FROM account_move am
  JOIN res_currency cur ON cur.id = am.currency_id
 WHERE am.move_type = 'out_invoice' AND am.state = 'posted' AND am.invoice_origin IS NOT NULL
   AND (am.write_date > :since OR (am.write_date = :since AND am.name > :after_id))
 ORDER BY am.write_date, am.name
 LIMIT :limit
