import {
  BATCH_FIRST_FETCH,
  checkFetchSettings,
  LATENCY_FIRST_FETCH,
  sessionSettings,
} from './supervised-consumer';

describe('checkFetchSettings', () => {
  it('when a fetch waits for more bytes than one partition may bring, then it is refused', () => {
    const unfillable = {
      ...BATCH_FIRST_FETCH,
      minBytes: 512 * 1024,
      maxBytesPerPartition: 128 * 1024,
    };

    expect(() => checkFetchSettings(unfillable)).toThrow(/must not exceed maxBytesPerPartition/);
    expect(() => sessionSettings(30_000, unfillable)).toThrow(/one partition could never fill/);
  });

  it("when one partition's bytes can fill a fetch, then the settings are used as given", () => {
    expect(sessionSettings(30_000, BATCH_FIRST_FETCH)).toMatchObject(BATCH_FIRST_FETCH);
    expect(sessionSettings()).toMatchObject(LATENCY_FIRST_FETCH);
  });
});
