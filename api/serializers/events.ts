/** Event definitions as the API renders them, with the schema as a flat map. */
import type { EventFieldType } from '../../domain/event-schema.js';
import type { EventDefinitionDoc } from '../../repositories/event-definitions.js';
import { nullableTimestamp, timestamp } from './time.js';

function schemaMap(definition: EventDefinitionDoc): Record<string, EventFieldType> | null {
  if (definition.schema === null) return null;
  return Object.fromEntries(definition.schema.map(({ field, type }) => [field, type]));
}

export function eventListItem(definition: EventDefinitionDoc) {
  return {
    id: definition._id,
    name: definition.name,
    schema: schemaMap(definition),
    created_at: timestamp(definition.created_at),
    updated_at: nullableTimestamp(definition.updated_at),
  };
}

export function eventObject(definition: EventDefinitionDoc) {
  return { object: 'event' as const, ...eventListItem(definition) };
}
