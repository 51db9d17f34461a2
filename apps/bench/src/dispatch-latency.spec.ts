import { histogramIn, quantile, since, summarise } from './dispatch-latency';

/** Transaction's /metrics with one histogram: 10 observations by 10 ms, 10 by 50 ms, 0 above. */
const metricsText = (scale = 1) =>
  [
    '# HELP taxi_dispatch_hop_seconds Time from a forward being sent to its partition deciding it',
    '# TYPE taxi_dispatch_hop_seconds histogram',
    `taxi_dispatch_hop_seconds_bucket{le="0.05",service="transaction"} ${20 * scale}`,
    `taxi_dispatch_hop_seconds_bucket{le="0.01",service="transaction"} ${10 * scale}`,
    `taxi_dispatch_hop_seconds_bucket{le="0.1",service="transaction"} ${20 * scale}`,
    `taxi_dispatch_hop_seconds_bucket{le="+Inf",service="transaction"} ${20 * scale}`,
    `taxi_dispatch_hop_seconds_sum{service="transaction"} ${0.5 * scale}`,
    `taxi_dispatch_hop_seconds_count{service="transaction"} ${20 * scale}`,
    'taxi_ride_forwards_total{service="transaction"} 7',
  ].join('\n');

describe('dispatch latency from transaction’s histograms', () => {
  it('when a histogram is read from /metrics, then its buckets are in bound order with its count and sum', () => {
    expect(histogramIn(metricsText(), 'taxi_dispatch_hop_seconds')).toEqual({
      bounds: [0.01, 0.05, 0.1],
      cumulative: [10, 20, 20],
      count: 20,
      sum: 0.5,
    });
  });

  it('when a quantile falls in a bucket, then it is interpolated in it as histogram_quantile does', () => {
    const histogram = histogramIn(metricsText(), 'taxi_dispatch_hop_seconds');

    expect(quantile(histogram, 0.25)).toBeCloseTo(0.005);
    expect(quantile(histogram, 0.75)).toBeCloseTo(0.03);
    expect(quantile(histogram, 1)).toBeCloseTo(0.05);
  });

  it('when a phase is read as the difference of two readings, then only its observations count', () => {
    const before = histogramIn(metricsText(), 'taxi_dispatch_hop_seconds');
    const after = histogramIn(metricsText(3), 'taxi_dispatch_hop_seconds');

    expect(summarise(since(after, before))).toEqual({
      count: 40,
      meanMs: 25,
      p50Ms: 10,
      p95Ms: 46,
      p99Ms: 49,
    });
  });

  it('when nothing was observed, then the count is 0 and no percentile is made up', () => {
    const empty = histogramIn('taxi_ride_forwards_total 0', 'taxi_dispatch_hop_seconds');

    expect(summarise(empty)).toEqual({
      count: 0,
      meanMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    });
  });

  it('when observations lie past the last finite bound, then the quantile is that bound, as Prometheus gives it', () => {
    const histogram = { bounds: [0.1, 5], cumulative: [1, 1], count: 10, sum: 60 };

    expect(quantile(histogram, 0.95)).toBe(5);
  });
});
