import { describeSteps, planGrowth, type GrowthGroups } from './growth-plan';

const groups: GrowthGroups = {
  state: [
    { topic: 'dispatch', optional: true },
    { topic: 'fleet_state' },
    { topic: 'analytics_state' },
  ],
  rideKeyed: ['ride_details', 'ride_confirmed', 'ride_rejected', 'email_sent'],
};
const at = (count: number, overrides: Record<string, number> = {}) =>
  new Map(
    Object.entries({
      fleet_state: count,
      analytics_state: count,
      ride_details: count,
      ride_confirmed: count,
      ride_rejected: count,
      email_sent: count,
      ...overrides,
    }),
  );

describe('planGrowth', () => {
  it('when every topic has 6 and 12 are asked for, then the state topics grow first and the ride-keyed ones together', () => {
    const plan = planGrowth(groups, at(6), 12);

    expect(plan.kind).toBe('grow');
    if (plan.kind !== 'grow') return;
    expect(describeSteps(plan.steps)).toEqual([
      '1. state and internal topics first: fleet_state 6 → 12, analytics_state 6 → 12',
      '2. the ride-keyed topics together: ride_details 6 → 12, ride_confirmed 6 → 12, ride_rejected 6 → 12, email_sent 6 → 12',
    ]);
  });

  it('when dispatch exists, then it grows with the state topics', () => {
    const plan = planGrowth(groups, at(6, { dispatch: 6 }), 12);

    expect(plan.kind === 'grow' && plan.steps[0]?.topics.map((t) => t.topic)).toEqual([
      'dispatch',
      'fleet_state',
      'analytics_state',
    ]);
  });

  it('when some topics are already at the count, then the plan completes the others', () => {
    const plan = planGrowth(groups, at(6, { ride_confirmed: 12, fleet_state: 12 }), 12);

    expect(plan.kind === 'grow' && describeSteps(plan.steps)[0]).toBe(
      '1. state and internal topics first: fleet_state 12 (done), analytics_state 6 → 12',
    );
  });

  it('when every topic is at the count, then there is nothing to do', () => {
    expect(planGrowth(groups, at(12), 12)).toEqual({ kind: 'nothing-to-do', partitions: 12 });
  });

  it.each([
    [at(12), 6, 'Kafka cannot take partitions away'],
    [at(6), 9, 'not a multiple'],
    [at(6, { ride_confirmed: 9 }), 12, "ride_confirmed's 9"],
  ])('when the counts are %p and %p are asked for, then it is refused', (counts, n, why) => {
    const plan = planGrowth(groups, counts, n);

    expect(plan.kind).toBe('refused');
    expect(plan.kind === 'refused' && plan.reason).toContain(why);
  });

  it('when 6 become 18, then it is a growth (any multiple keeps keys moving from p to p + k·6)', () => {
    expect(planGrowth(groups, at(6), 18).kind).toBe('grow');
  });
});
