/** Contact property declarations as the API renders them. */
import type { ContactPropertyDoc } from '../../repositories/contact-properties.js';
import { timestamp } from './time.js';

export function contactPropertyListItem(property: ContactPropertyDoc) {
  return {
    id: property._id,
    key: property.key,
    type: property.type,
    fallback_value: property.fallback_value,
    created_at: timestamp(property.created_at),
  };
}

export function contactPropertyObject(property: ContactPropertyDoc) {
  return { object: 'contact_property' as const, ...contactPropertyListItem(property) };
}
