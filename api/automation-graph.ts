/**
 * Checks a submitted automation graph: its shape with validateAutomationGraph,
 * then that every template, segment and topic it names exists.
 */
import type { AutomationGraph } from '../domain/graph.js';
import { validateAutomationGraph } from '../domain/validate-graph.js';
import type { Repositories } from '../repositories/db.js';
import { ApiError } from './errors.js';

function stepReferring(graph: AutomationGraph, matches: (config: Record<string, unknown>) => boolean): string {
  const step = graph.steps.find((candidate) => matches(candidate.config as unknown as Record<string, unknown>));
  return step?.key ?? '?';
}

/** Returns the validated graph, or throws a 422 ApiError naming the step at fault. */
export async function checkAutomationGraph(
  repos: Pick<Repositories, 'templates' | 'segments' | 'topics'>,
  input: { steps: unknown[]; connections: unknown[] },
): Promise<AutomationGraph> {
  const result = validateAutomationGraph(input);
  if (!result.ok) throw new ApiError(422, result.error.name, result.error.message);
  const { graph, references } = result;

  const missingTemplates = await repos.templates.findMissing(references.templateIds);
  if (missingTemplates.length > 0) {
    const templateId = missingTemplates[0]!;
    const key = stepReferring(graph, (config) => (config.template as { id?: unknown } | undefined)?.id === templateId);
    throw ApiError.validation(`Step "${key}": template "${templateId}" does not exist; create it or use an existing template id or alias.`);
  }

  const missingSegments = await repos.segments.findMissingIds(references.segmentIds);
  if (missingSegments.length > 0) {
    const segmentId = missingSegments[0]!;
    const key = stepReferring(graph, (config) => config.segment_id === segmentId);
    throw ApiError.validation(`Step "${key}": segment "${segmentId}" does not exist; create it first.`);
  }

  const missingTopics = await repos.topics.findMissingIds(references.topicIds);
  if (missingTopics.length > 0) {
    const topicId = missingTopics[0]!;
    const key = stepReferring(graph, (config) => config.topic_id === topicId);
    throw ApiError.validation(`Step "${key}": topic "${topicId}" does not exist; create it with POST /topics or remove \`topic_id\` from the step.`);
  }

  return graph;
}
