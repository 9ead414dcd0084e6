/**
 * Failure types that end a step at once: retrying cannot fix them, the user
 * has to (publish the template, fix the value, ...). Activities raise them as
 * non-retryable application failures; the run shows them as the step's
 * `error.name`.
 */
export const STEP_FAILURE = {
  contactNotFound: 'contact_not_found',
  templateNotFound: 'template_not_found',
  templateNotPublished: 'template_not_published',
  segmentNotFound: 'segment_not_found',
  topicNotFound: 'topic_not_found',
  renderFailed: 'render_failed',
  smtpRejected: 'smtp_rejected',
  invalidValue: 'invalid_value',
  propertyNotDeclared: 'property_not_declared',
} as const;
