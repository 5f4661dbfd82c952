import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword attributes the per-order workflow keeps current; `OrderSyncState = "blocked"` finds stuck orders in the UI. */
export const ORDER_CHANNEL = defineSearchAttributeKey('OrderChannel', SearchAttributeType.KEYWORD);
export const ORDER_SYNC_STATE = defineSearchAttributeKey(
  'OrderSyncState',
  SearchAttributeType.KEYWORD,
);
