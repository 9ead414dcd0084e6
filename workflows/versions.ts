/**
 * Patch ids of the run workflow. A run in flight replays its history with the
 * current code whenever a worker picks it up again, so a change to the
 * commands the workflow issues (which activities, timers and markers, in which
 * order) would break it. Such a change is gated:
 *
 *   if (patched(PATCH.someChange)) { new behaviour } else { old behaviour }
 *
 * `patched()` returns true in a new run and records a marker in its history;
 * replaying a history recorded before the change, it returns false. To retire
 * a patch once no run started before it is open, replace `patched(id)` with
 * `deprecatePatch(id)` and delete the old branch. Once no run started before
 * that release is open either, delete the call.
 *
 * After adding a patch, record a set of histories named after its id
 * (`npm run record-histories -- --set <id>`), so the replay test covers the
 * runs of both branches.
 */
export const PATCH = {
  /**
   * A condition step whose rules read only `event.*` fields no longer loads
   * the contact first. Before, every condition step scheduled the
   * `loadContact` activity, which costs a round trip through Temporal and a
   * MongoDB read.
   */
  conditionLoadsContactOnlyWhenRead: 'condition-loads-contact-only-when-read',
  /**
   * The mirror is no longer written between two steps that run straight
   * through, such as a contact_update followed by a send_email, nor right
   * before a delay or wait, which writes it once it waits. Before, every step
   * but the last ended with a mirror write, a local activity each.
   */
  mirrorWrittenAroundPauses: 'mirror-written-around-pauses',
} as const;
