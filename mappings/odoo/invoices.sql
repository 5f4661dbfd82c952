-- Posted customer invoices and credit notes (out_refund, reversing
-- reversed_entry_id) changed after (:since, :after_id); invoice_origin names
-- the sale order. Odoo keeps a credit note's amounts positive, as the contract does.
SELECT am.name            AS invoice_id,
       am.invoice_origin  AS order_id,
       am.name            AS number,
       am.amount_total    AS amount,
       am.amount_tax      AS tax,
       cur.name           AS currency,
       am.invoice_date    AS issued_at,
       am.write_date      AS marker,
       CASE am.move_type WHEN 'out_refund' THEN 'credit_note' ELSE 'invoice' END AS kind,
       orig.name          AS against_invoice_id
  FROM account_move am
  JOIN res_currency cur ON cur.id = am.currency_id
  LEFT JOIN account_move orig ON orig.id = am.reversed_entry_id
 WHERE am.move_type IN ('out_invoice', 'out_refund') AND am.state = 'posted' AND am.invoice_origin IS NOT NULL
   AND (am.write_date > :since OR (am.write_date = :since AND am.name > :after_id))
 ORDER BY am.write_date, am.name
 LIMIT :limit
