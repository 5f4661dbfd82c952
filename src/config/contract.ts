import { z } from 'zod';
import { TOTAL_RULES } from '../contracts/total-rule';

/** How the apply judges a message's business rules. */
export const contractEnv = z.object({
  // `off` is for ERPs whose rounding cannot be reproduced; an order then keeps the total it was sent.
  ORDERSYNC_TOTAL_RULE: z.enum(TOTAL_RULES).default('strict'),
});
