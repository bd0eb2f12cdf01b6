import { startSimulator } from '../dev/simulator'
import { serveParent } from './ipc'
import { startStandIn } from './stand-in'
import type { SimulatorCommand, SimulatorStats } from './simulator-protocol'

/**
 * The bench's FullStory process: the strict simulator (dev/simulator) and the stand-in
 * (bench/stand-in.ts). Running them here keeps their CPU out of the destination processes being
 * measured: on a 2-core machine the destination being timed has one core and this process the
 * other. Driven over IPC by bench/simulator-child.ts.
 */
async function main(): Promise<void> {
  const strict = await startSimulator({ port: 0 })
  const standIn = await startStandIn()
  let cpuMark = process.cpuUsage()

  const stats = (): SimulatorStats => {
    const byStatus: Record<string, number> = {}
    const records = strict.requests()
    for (const record of records) byStatus[String(record.status)] = (byStatus[String(record.status)] ?? 0) + 1
    const cpu = process.cpuUsage(cpuMark)
    return {
      standIn: standIn.stats(),
      strict: { requests: records.length, byStatus, replayed: records.filter((r) => r.replayed).length },
      cpuMicros: cpu.user + cpu.system
    }
  }

  serveParent<SimulatorCommand>(
    { url: strict.url, standInUrl: standIn.url },
    (command) => {
      switch (command.cmd) {
        case 'reset':
          strict.reset()
          standIn.reset(command.capture ?? false)
          cpuMark = process.cpuUsage()
          return null
        case 'stats':
          return stats()
        case 'captured':
          return standIn.captured()
        default:
          throw new Error(`unknown command ${command.cmd}`)
      }
    },
    async () => {
      await standIn.close()
      await strict.close()
    }
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
