/**
 * Search attributes that make runs searchable in the Temporal Web UI. The local
 * dev server registers them at boot (`--search-attribute NAME=Keyword`).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const automationIdKey = defineSearchAttributeKey('AutomationId', SearchAttributeType.KEYWORD);
export const contactIdKey = defineSearchAttributeKey('ContactId', SearchAttributeType.KEYWORD);
export const runStatusKey = defineSearchAttributeKey('RunStatus', SearchAttributeType.KEYWORD);

export const RUN_SEARCH_ATTRIBUTES = [automationIdKey, contactIdKey, runStatusKey];
