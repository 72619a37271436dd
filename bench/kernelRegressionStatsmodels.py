#!/usr/bin/env python3
"""statsmodels' time for benchmark W9: KernelReg(y, X, 'cc', reg_type, bw='cv_ls') on the W9 data.

The W9 data are those of bench/kernelRegression.mjs (the same formula, written twice):
for i = 1..n, x1 = 4 frac(0.5 + i a1), x2 = 4 frac(0.5 + i a2) with a1 = 0.7548776662466927,
a2 = 0.5698402909980532 (the R2 low-discrepancy sequence), and
y = sin(1.5 x1) + 0.3 (x2 - 2)^2 + 0.3 (2 frac(43758.5453 |sin i|) - 1).

n = 200 and 1000 are timed whole. n = 5000 would take hours: one evaluation of the criterion is
timed at the normal-reference bandwidth, and the estimate is that time multiplied by the number
of evaluations statsmodels needed at n = 1000 (an estimate, not a measurement). Wall-clock and
CPU seconds of this process are both recorded (the machine may be busy with other work).

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/kernelRegressionStatsmodels.py [--json OUT]
"""
import json
import sys
import time

import numpy as np
import statsmodels
from statsmodels.nonparametric.kernel_regression import KernelReg


def w9(n):
    i = np.arange(1, n + 1, dtype=np.float64)
    x1 = 4 * np.mod(0.5 + i * 0.7548776662466927, 1)
    x2 = 4 * np.mod(0.5 + i * 0.5698402909980532, 1)
    noise = 0.3 * (2 * np.mod(43758.5453 * np.abs(np.sin(i)), 1) - 1)
    y = np.sin(1.5 * x1) + 0.3 * (x2 - 2) ** 2 + noise
    return np.column_stack([x1, x2]), y


class Counted(KernelReg):
    calls = 0

    def cv_loo(self, bw, func):
        Counted.calls += 1
        return KernelReg.cv_loo(self, bw, func)


rows = []
evals = {}
for reg in ('lc', 'll'):
    for n in (200, 1000):
        x, y = w9(n)
        Counted.calls = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        m = Counted(y, x, 'cc', reg_type=reg, bw='cv_ls')
        s = time.perf_counter() - t0
        cpu = time.process_time() - c0
        h = np.abs(m.bw)
        cv = float(m.cv_loo(h, m.est[reg]))
        evals[reg] = Counted.calls - 1
        rows.append(dict(regression=reg, n=n, seconds=s, cpuSeconds=cpu, evaluations=evals[reg], h=h.tolist(), cv=cv, measured=True))
        print(rows[-1], flush=True)
for reg in ('lc', 'll'):
    n = 5000
    x, y = w9(n)
    m = KernelReg(y, x, 'cc', reg_type=reg, bw=[1.0, 1.0])
    h0 = 1.06 * np.std(x, axis=0) * n ** (-1.0 / 6)
    t0 = time.perf_counter()
    c0 = time.process_time()
    m.cv_loo(h0, m.est[reg])
    one = time.perf_counter() - t0
    cpu = time.process_time() - c0
    rows.append(dict(regression=reg, n=n, secondsPerEvaluation=one, cpuSecondsPerEvaluation=cpu, evaluations=evals[reg],
                     seconds=one * evals[reg], cpuSeconds=cpu * evals[reg], measured=False))
    print(rows[-1], flush=True)
if '--json' in sys.argv:
    with open(sys.argv[sys.argv.index('--json') + 1], 'w') as f:
        json.dump(dict(statsmodels=statsmodels.__version__, rows=rows), f, indent=1)
