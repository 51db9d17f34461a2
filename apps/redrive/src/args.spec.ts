import { parseRedriveArgs } from './args';

describe('redrive arguments', () => {
  it('when given a dead-letter topic, then it re-drives that topic for real', () => {
    expect(parseRedriveArgs(['ride_confirmed.dlq'])).toEqual({
      deadLetterTopic: 'ride_confirmed.dlq',
      dryRun: false,
    });
  });

  it('when --dry-run is given, then it only lists', () => {
    expect(parseRedriveArgs(['--dry-run', 'ride_details.dlq'])).toEqual({
      deadLetterTopic: 'ride_details.dlq',
      dryRun: true,
    });
  });

  it.each([
    [[], 'expected one dead-letter topic'],
    [['ride_details'], 'not a dead-letter topic'],
    [['a.dlq', 'b.dlq'], 'expected one dead-letter topic'],
    [['--force', 'a.dlq'], "Unknown option '--force'"],
  ])('when the arguments are %p, then it refuses with a reason', (argv, reason) => {
    const parsed = parseRedriveArgs(argv);

    expect(parsed).toMatchObject({ error: expect.stringContaining(reason) });
  });
});
