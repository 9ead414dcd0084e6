/** Formats epoch milliseconds as the API's timestamp, `2026-10-01 12:00:00.000000+00`. */
export function formatTimestamp(millis: number): string {
  const iso = new Date(millis).toISOString(); // 2026-10-01T12:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00`;
}

export function formatNullableTimestamp(millis: number | null | undefined): string | null {
  return millis === null || millis === undefined ? null : formatTimestamp(millis);
}
