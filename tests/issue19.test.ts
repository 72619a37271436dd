// Issue 19, "wrong numbers, returned silently": each result is within the backend's tolerance of
// the float64 reference, or the backend takes the float64 path itself.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/types.js';
import { BACKENDS, load } from './backends.js';

describe.each(BACKENDS)('issue 19 on $name', ({ name, tol }) => {
  let be: Backend;
  beforeAll(async () => {
    be = await load(name);
  });

  it('bmm: ones × 0.1 summed over m = 2^20 stays within float32 rounding of 104857.6', () => {
    const m = 1 << 20;
    const a = { data: new Float32Array(m).fill(1), shape: [1, 1, m] };
    const b = { data: new Float32Array(m * 5).fill(0.1), shape: [1, m, 5] };
    const c = be.bmm(a, b);
    // the float64 sum of float32(0.1) m times, rounded once
    const want = Math.fround(Math.fround(0.1) * m);
    const bound = tol.value[0] + tol.value[1] * want;
    for (const x of c.data) expect(Math.abs(x - want)).toBeLessThanOrEqual(bound);
    // the 16-wide and 4-wide column paths too
    const b20 = { data: new Float32Array(m * 20).fill(0.1), shape: [1, m, 20] };
    for (const x of be.bmm(a, b20).data) expect(Math.abs(x - want)).toBeLessThanOrEqual(bound);
  });
});
