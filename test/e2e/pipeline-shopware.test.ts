import { describeTargetPipeline } from '../support/target-pipeline';
import { SHOPWARE_MAPPING } from '../support/target-fixture';

// Shopware 6's order tables, which nobody on this project designed: BINARY(16)
// ids derived from the ERP's ids, composite (id, version_id) keys, the reserved
// table name `order`, amounts in JSON price columns, statuses as state-machine
// rows, weighed quantities beside an INT quantity, invoices and credit notes as
// document rows. 20 orders keep it well under a minute.
describeTargetPipeline('Shopware 6', SHOPWARE_MAPPING, 'SW', 20);
