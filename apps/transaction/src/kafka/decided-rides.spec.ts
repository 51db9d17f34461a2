import { DecidedRides } from './decided-rides';

describe('DecidedRides', () => {
  it('when a transaction commits, then its rides count as decided', () => {
    const decided = new DecidedRides(10);

    decided.begin('ride_details', 0);
    decided.decided('ride_details', 0, 'ride-1');
    decided.committed('ride_details', 0);

    expect(decided.wasDecided('ride_details', 3, 'ride-1')).toBe(true);
  });

  it('when a transaction aborts, then its rides are not decided, so the retry decides them', () => {
    const decided = new DecidedRides(10);

    decided.begin('ride_details', 0);
    decided.decided('ride_details', 0, 'ride-1');
    decided.aborted('ride_details', 0);

    expect(decided.wasDecided('ride_details', 0, 'ride-1')).toBe(false);
  });

  it('when the same ride comes twice in one transaction, then the second is seen as decided', () => {
    const decided = new DecidedRides(10);

    decided.begin('ride_details', 1);
    decided.decided('ride_details', 1, 'ride-1');

    expect(decided.wasDecided('ride_details', 1, 'ride-1')).toBe(true);
    expect(decided.wasDecided('ride_details', 2, 'ride-1')).toBe(false);
  });

  it('when more rides than the capacity were decided, then the oldest are forgotten', () => {
    const decided = new DecidedRides(2);

    for (const rideId of ['a', 'b', 'c']) {
      decided.begin('t', 0);
      decided.decided('t', 0, rideId);
      decided.committed('t', 0);
    }

    expect(['a', 'b', 'c'].map((id) => decided.wasDecided('t', 0, id))).toEqual([
      false,
      true,
      true,
    ]);
  });
});
