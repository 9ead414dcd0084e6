/** Contacts as the API renders them. */
import type { ContactPropertyDoc } from '../../repositories/contact-properties.js';
import type { ContactDoc, ContactPropertyValue } from '../../repositories/contacts.js';
import { timestamp } from './time.js';

type PropertyView =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean };

function propertyView(value: ContactPropertyValue): PropertyView {
  if (typeof value === 'number') return { type: 'number', value };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  return { type: 'string', value };
}

/** Renders a list item with the fields of Resend's `Contact` type. */
export function contactListItem(contact: ContactDoc) {
  return {
    id: contact._id,
    email: contact.email,
    first_name: contact.first_name,
    last_name: contact.last_name,
    unsubscribed: contact.unsubscribed,
    created_at: timestamp(contact.created_at),
  };
}

/**
 * Renders the full contact, with each property as `{ type, value }`. A
 * declared property the contact has no value for shows its fallback value,
 * if the declaration has one.
 */
export function contactObject(contact: ContactDoc, declarations: readonly ContactPropertyDoc[] = []) {
  const properties: Record<string, PropertyView> = {};
  for (const declaration of declarations) {
    if (declaration.fallback_value !== null) properties[declaration.key] = propertyView(declaration.fallback_value);
  }
  for (const [key, value] of Object.entries(contact.properties)) properties[key] = propertyView(value);
  return { object: 'contact' as const, ...contactListItem(contact), properties };
}
