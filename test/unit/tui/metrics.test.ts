/** Sparklines and the traffic series behind the Overview. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantile, sparkline, trafficSeries } from '../../../src/tui/metrics.js';
import { entry, NOW } from './fake-client.js';

describe('tui metrics', () => {
  it('draws ▁ to █ scaled to the maximum, blanks for no data', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]), '▁▁▂▃▄▅▆▇█');
    assert.equal(sparkline([null, 0, 4], 4), ' ▁█');
    assert.equal(sparkline([0, 0]), '▁▁');
    assert.equal(sparkline([]), '');
  });

  it('buckets requests, errors and latency by time', () => {
    const at = (msAgo: number, over = {}) => entry(1, { time: new Date(NOW - msAgo).toISOString(), ...over });
    const entries = [at(1_000, { latencyMs: 100 }), at(2_000, { latencyMs: 300, status: 500 }), at(7_000, { latencyMs: 50 }), at(60_000)];
    const t = trafficSeries(entries, NOW, 3, 5_000);
    assert.deepEqual(t.rate, [0, 0.2, 0.4]);
    assert.deepEqual(t.errorRate, [null, 0, 0.5]);
    assert.deepEqual(t.latency, [null, 50, 100]);
    assert.equal(t.requests, 3);
    assert.equal(t.errors, 1);
    assert.equal(t.p50, 100);
    assert.equal(t.p95, 300);
    assert.equal(t.currentRate, 0.2);
  });

  it('computes nearest-rank quantiles', () => {
    assert.equal(quantile([5, 1, 3], 0.5), 3);
    assert.equal(quantile([1, 2, 3, 4], 0.95), 4);
  });
});
