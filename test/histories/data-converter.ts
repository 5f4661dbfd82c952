import type { DataConverter } from '@temporalio/common';

/**
 * The data converter the committed histories were recorded with, used by both
 * the recorder and the replay test so the two cannot disagree. Undefined means
 * Temporal's default (plain JSON payloads). If the worker and client gain a
 * payload codec, set the same converter here and re-record
 * (`npm run record-histories`).
 */
export const historyDataConverter: DataConverter | undefined = undefined;
