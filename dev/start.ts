import { DEFAULT_PORT, EXAMPLE_WRITE_KEY } from './constants'
import { startServer } from './server'

/**
 * `npm start`: the destination on http://localhost:3000, delivering to a local FullStory simulator.
 *
 * Environment:
 *   PORT                port to listen on (default 3000)
 *   FULLSTORY_API_KEY   deliver to FullStory itself with this key instead of the simulator
 *   FULLSTORY_API_URL   deliver to this FullStory-compatible URL (with FULLSTORY_API_KEY, or the dev key)
 *   SEGMENT_WRITE_KEY   require this write key on /v1 routes (default: any non-empty one)
 */
async function main(): Promise<void> {
  const port = process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not "${process.env.PORT}"`)
  const server = await startServer({
    port,
    apiKey: process.env.FULLSTORY_API_KEY || undefined,
    fullstoryUrl: process.env.FULLSTORY_API_URL || undefined,
    writeKey: process.env.SEGMENT_WRITE_KEY || undefined
  })
  const here = `http://localhost:${server.port}`
  const writeKey = process.env.SEGMENT_WRITE_KEY ? '$SEGMENT_WRITE_KEY' : EXAMPLE_WRITE_KEY
  const lines = [
    `FullStory Cloud Mode (Actions) listening on ${here}`,
    server.target === 'FullStory'
      ? 'Delivering to FullStory itself (https://api.fullstory.com) with FULLSTORY_API_KEY.'
      : server.target === 'own simulator'
      ? `Delivering to the FullStory simulator at ${server.deliveryUrl} (no FullStory account needed; set FULLSTORY_API_KEY to send to FullStory).`
      : `Delivering to ${server.deliveryUrl} (FULLSTORY_API_URL).`,
    '',
    'Try it:',
    `  curl -sS -u ${writeKey}: -H 'Content-Type: application/json' -d '{"userId":"user-1","event":"Order Completed","properties":{"total":42.5}}' ${here}/v1/track`
  ]
  if (server.target !== 'FullStory') {
    lines.push(`  curl -sS ${here}/simulator/events      (also ${server.deliveryUrl}/simulator/events)`)
  }
  lines.push(
    '',
    `Routes: POST /v1/identify /v1/track /v1/page /v1/batch, POST /<actionKey> {payload, settings, mapping}, POST /authentication {settings}; GET ${here}/ lists them.`,
    ''
  )
  console.log(lines.join('\n'))

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`)
  process.exit(1)
})
