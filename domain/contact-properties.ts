/**
 * Declared contact properties: a contact may only hold properties whose key
 * was declared, with a value of the declared type.
 */

export const CONTACT_PROPERTY_TYPES = ['string', 'number'] as const;
export type ContactPropertyType = (typeof CONTACT_PROPERTY_TYPES)[number];

export interface ContactPropertyDefinition {
  key: string;
  type: ContactPropertyType;
  fallback_value: string | number | null;
}

export type PropertyViolation =
  | { key: string; reason: 'undeclared' }
  | { key: string; reason: 'wrong_type'; expected: ContactPropertyType; value: unknown };

/**
 * Returns the first property in `values` that is not declared or whose value
 * has another type than the declared one, or null when all are valid. A null
 * value, which removes the property, is valid for any declared key.
 */
export function findPropertyViolation(
  definitions: readonly ContactPropertyDefinition[],
  values: Record<string, unknown>,
): PropertyViolation | null {
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  for (const [key, value] of Object.entries(values)) {
    const definition = byKey.get(key);
    if (!definition) return { key, reason: 'undeclared' };
    if (value === null) continue;
    if (typeof value !== definition.type || (typeof value === 'number' && !Number.isFinite(value))) {
      return { key, reason: 'wrong_type', expected: definition.type, value };
    }
  }
  return null;
}
