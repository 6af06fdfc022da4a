import { Breaker } from '../../src/shadow/breaker';

describe('Breaker', () => {
  let now = 0;
  const breaker = () => new Breaker(3, 1000, () => now);

  it('opens after the threshold of consecutive failures, probes once after the cool-down, closes on success', () => {
    now = 0;
    const b = breaker();
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    now = 999;
    expect(b.allow()).toBe(false);
    now = 1000;
    expect(b.state).toBe('half_open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // one probe at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  it('re-opens for another cool-down when the probe fails', () => {
    now = 0;
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    now = 1500;
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    now = 2499;
    expect(b.allow()).toBe(false);
    now = 2500;
    expect(b.allow()).toBe(true);
  });

  it('a success resets the count', () => {
    now = 0;
    const b = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
  });
});
