import { formatTimestamp } from '../../domain/time.js';

export function timestamp(date: Date): string {
  return formatTimestamp(date.getTime());
}

export function nullableTimestamp(date: Date | null): string | null {
  return date === null ? null : formatTimestamp(date.getTime());
}
