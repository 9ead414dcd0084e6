/** The bare workflow's only activity: returns at once. */
export interface BareActivities {
  noop(input: { step: number }): Promise<void>;
}

export const bareActivities: BareActivities = {
  async noop() {},
};
