import { describeTargetPipeline } from '../support/target-pipeline';
import { WOOCOMMERCE_MAPPING } from '../support/target-fixture';

// Issue 25: a second, differently shaped target mapping through the whole
// pipeline. WooCommerce's HPOS tables: the order's id from a placeholder post,
// line amounts as key/value rows keyed by each item's generated id, billing and
// shipping address rows, statuses mapped to wc-*, invoices as order meta and
// credit notes as refund child orders.
describeTargetPipeline('WooCommerce', WOOCOMMERCE_MAPPING, 'WC');
