/** Templates as the API renders them: the draft's content, which is the current version. */
import type { TemplateDoc } from '../../repositories/templates.js';
import { nullableTimestamp, timestamp } from './time.js';

function status(template: TemplateDoc): 'draft' | 'published' {
  return template.published === null ? 'draft' : 'published';
}

export function templateListItem(template: TemplateDoc) {
  return {
    id: template._id,
    name: template.name,
    alias: template.alias ?? null,
    status: status(template),
    published_at: nullableTimestamp(template.published_at),
    created_at: timestamp(template.created_at),
    updated_at: timestamp(template.updated_at),
  };
}

export function templateObject(template: TemplateDoc) {
  const draft = template.draft;
  return {
    object: 'template' as const,
    ...templateListItem(template),
    subject: draft.subject,
    html: draft.html,
    text: draft.text,
    from: draft.from,
    reply_to: draft.reply_to,
    variables: draft.variables.map((variable) => ({
      key: variable.key,
      type: variable.type,
      fallback_value: variable.fallback_value,
      created_at: timestamp(variable.created_at),
      updated_at: timestamp(variable.updated_at),
    })),
    current_version_id: template.current_version_id,
    // True while the draft differs from what sends use, including before the first publish.
    has_unpublished_versions: template.published_version_id !== template.current_version_id,
  };
}
