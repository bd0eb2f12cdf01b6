/** Timing helpers: a fixed-concurrency pool, and wall time plus this process's CPU time around it. */

export interface Measurement {
  /** Work items done (events, requests or batches' events). */
  items: number
  wallMs: number
  /** CPU time of this process (user + system, all its threads), in microseconds. */
  cpuMicros: number
}

export const perSecond = (m: Measurement) => (m.items * 1000) / m.wallMs
export const cpuPerItem = (m: Measurement) => m.cpuMicros / m.items

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; rejects on the first failure. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

/**
 * Wall and CPU time of `run`, which does `items` units of work, in the steady state a long-running
 * runtime is in. No full garbage collection is forced first: after one, V8 spent about twice the CPU
 * per event over the next thousand events, on either destination, which is the forced collection's
 * cost and not the destination's.
 */
export async function measure(items: number, run: () => Promise<void>): Promise<Measurement> {
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  await run()
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  const used = process.cpuUsage(cpu)
  return { items, wallMs, cpuMicros: used.user + used.system }
}

/** The q-quantile (0 to 1) of `values`, linearly interpolated. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  return low + 1 < sorted.length ? sorted[low] + (sorted[low + 1] - sorted[low]) * (at - low) : sorted[low]
}

export function median(values: number[]): number {
  return quantile(values, 0.5)
}

/** The sum of measurements (of the same kind of work). */
export function total(measurements: Measurement[]): Measurement {
  return measurements.reduce(
    (sum, m) => ({
      items: sum.items + m.items,
      wallMs: sum.wallMs + m.wallMs,
      cpuMicros: sum.cpuMicros + m.cpuMicros
    }),
    { items: 0, wallMs: 0, cpuMicros: 0 }
  )
}
