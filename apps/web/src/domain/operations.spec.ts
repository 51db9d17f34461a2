import { exampleRideConfirmed, exampleRideRejected, exampleRideRequested } from '@taxi/events';
import { Operations } from './operations';

const at = (iso: string) => Date.parse(iso);
const position = (topic: string, offset = '0') => ({ topic, partition: 2, offset });
const noFleet = { snapshots: [], partitions: 6 };
const operations = () =>
  new Operations({
    topics: ['ride_details', 'ride_confirmed', 'ride_rejected', 'email_sent'],
    recentEvents: 2,
    rateWindowSeconds: 2,
  });

describe('operations view', () => {
  it('when records arrive, then the rate per topic is their count over the last whole seconds, zeros included', () => {
    const view = operations();

    view.record(exampleRideRequested(), position('ride_details'), at('2026-11-21T10:00:00.100Z'));
    view.record(exampleRideRequested(), position('ride_details'), at('2026-11-21T10:00:01.900Z'));
    view.record(exampleRideRequested(), position('ride_details'), at('2026-11-21T10:00:02.100Z'));

    expect(view.view(at('2026-11-21T10:00:02.500Z'), [], noFleet).ratePerSecond).toEqual({
      ride_details: 1,
      ride_confirmed: 0,
      ride_rejected: 0,
      email_sent: 0,
    });
    expect(
      view.view(at('2026-11-21T10:00:05.000Z'), [], noFleet).ratePerSecond['ride_details'],
    ).toBe(0);
  });

  it('when rides are decided, then confirmations and rejections are counted, rejections by reason', () => {
    const view = operations();

    view.record(exampleRideConfirmed(), position('ride_confirmed'), 0);
    view.record(exampleRideRejected(), position('ride_rejected'), 0);
    view.record(
      exampleRideRejected({ reason: 'no_driver_available' }),
      position('ride_rejected'),
      0,
    );

    expect(view.view(0, [], noFleet).outcomes).toEqual({
      confirmed: 1,
      rejected: 2,
      rejectionsByReason: { payment_declined: 1, no_driver_available: 1 },
    });
  });

  it('when the view is taken, then its drivers are those of the fleet state given, not of the confirmations', () => {
    const view = operations();
    view.record(exampleRideConfirmed(), position('ride_confirmed'), 0);
    const fleet = {
      partitions: 6,
      snapshots: [
        {
          source: { topic: 'ride_details', partition: 0 },
          nextOffset: '1',
          drivers: [{ id: 'drv-001', position: { lat: 40.7, lng: -73.9 } }],
          rides: [],
          claims: [],
        },
      ],
    };

    expect(view.view(0, [], fleet).drivers).toEqual({
      busy: [],
      free: [{ id: 'drv-001', lat: 40.7, lng: -73.9 }],
      shards: { reported: 1, total: 6 },
    });
  });

  it('when more events arrive than are listed, then the newest are listed first with their position', () => {
    const view = operations();

    view.record(exampleRideRequested(), position('ride_details', '7'), 0);
    view.record(exampleRideConfirmed(), position('ride_confirmed', '8'), 0);
    view.record(exampleRideRejected(), position('ride_rejected', '9'), 0);

    expect(view.view(0, [], noFleet).recent).toEqual([
      expect.objectContaining({
        topic: 'ride_rejected',
        partition: 2,
        offset: '9',
        type: 'ride.rejected',
      }),
      expect.objectContaining({ topic: 'ride_confirmed', offset: '8', type: 'ride.confirmed' }),
    ]);
  });
});
