/** Databases the local infrastructure creates: the app's, and the simulated ERP's, each with a test twin. */
export const APP_DATABASES = ['ordersync', 'ordersync_test'] as const;
export const ERP_DATABASES = ['erp', 'erp_test'] as const;

/** Custom search attributes the per-order workflow keeps current; the dev server registers them at start. */
export const REQUIRED_SEARCH_ATTRIBUTES = ['OrderChannel', 'OrderSyncState'] as const;
