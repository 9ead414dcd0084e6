/** Checks property values written to a contact against the declared contact properties. */
import { findPropertyViolation } from '../domain/contact-properties.js';
import type { Repositories } from '../repositories/db.js';
import { ApiError } from './errors.js';
import { truncate } from './validation.js';

/** Throws a 422 ApiError naming the first property that is not declared or has a value of another type. */
export async function assertDeclaredProperties(
  repos: Pick<Repositories, 'contactProperties'>,
  properties: Record<string, unknown> | undefined,
): Promise<void> {
  const keys = Object.keys(properties ?? {});
  if (properties === undefined || keys.length === 0) return;

  const definitions = await repos.contactProperties.findByKeys(keys);
  const violation = findPropertyViolation(definitions, properties);
  if (violation === null) return;

  if (violation.reason === 'undeclared') {
    throw ApiError.validation(
      `\`properties.${violation.key}\` is not a declared contact property. Declare it with POST /contact-properties, then retry.`,
    );
  }
  throw ApiError.validation(
    `\`properties.${violation.key}\` must be a ${violation.expected}, got ${truncate(JSON.stringify(violation.value))}, because contact property "${violation.key}" has type ${violation.expected}.`,
  );
}
