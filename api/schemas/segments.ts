/** Request schemas of the segments endpoints. */
import { z } from 'zod';
import { resourceName } from './common.js';

export const segmentBody = z.strictObject({ name: resourceName(200) });
