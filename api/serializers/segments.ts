/** Segments as the API renders them. */
import type { SegmentDoc } from '../../repositories/segments.js';
import { timestamp } from './time.js';

export function segmentListItem(segment: SegmentDoc) {
  return { id: segment._id, name: segment.name, created_at: timestamp(segment.created_at) };
}

export function segmentObject(segment: SegmentDoc) {
  return { object: 'segment' as const, ...segmentListItem(segment) };
}
