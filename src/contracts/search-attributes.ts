import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword attributes the per-order workflow keeps current; `OrderSyncState = "blocked"` finds stuck orders in the UI. */
export const ORDER_CHANNEL = defineSearchAttributeKey('OrderChannel', SearchAttributeType.KEYWORD);
export const ORDER_SYNC_STATE = defineSearchAttributeKey(
  'OrderSyncState',
  SearchAttributeType.KEYWORD,
);

/** Set by the server on every workflow a Schedule starts: the time the Schedule meant to start it. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
