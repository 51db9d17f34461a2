import { cpuQuotaMicros, memoryBytes } from './quantities';

describe('resource quantities as cgroups hold them', () => {
  it('when a memory limit is given in binary, decimal or plain units, then it is that many bytes', () => {
    expect(['512Mi', '1Gi', '64M', '1000'].map(memoryBytes)).toEqual([
      536_870_912, 1_073_741_824, 64_000_000, 1000,
    ]);
  });

  it('when a CPU limit is given in cores or millicores, then it is the CFS quota of a 100 ms period', () => {
    expect(['500m', '1', '2'].map(cpuQuotaMicros)).toEqual([50_000, 100_000, 200_000]);
  });

  it('when a quantity is missing or of another form, then it fails naming it', () => {
    expect(() => memoryBytes('none')).toThrow('none');
    expect(() => cpuQuotaMicros('0.5')).toThrow('0.5');
  });
});
