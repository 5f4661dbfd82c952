import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`failureConverterPath`) in the worker's main thread and in the
 * workflow bundle. Failure messages and stack traces move into an encoded
 * payload, so the payload codec encrypts them: MySQL errors can quote customer data.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
