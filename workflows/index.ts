// The worker's single workflow entry point; the bundler starts here.
export { orderSyncWorkflow } from './order-sync';
export { erpPollWorkflow } from './erp-poll';
export { reconcileWorkflow } from './reconcile';
