import { DEFAULT_HOST, DEFAULT_PORT, EXAMPLE_WRITE_KEY } from './constants'
import { startServer, type RunningServer } from './server'

/**
 * `npm start`: the destination on http://localhost:3000, delivering to a local FullStory simulator.
 *
 * Environment:
 *   PORT                port to listen on (default 3000)
 *   HOST                address to listen on (default 127.0.0.1, loopback only)
 *   FULLSTORY_API_KEY   deliver to FullStory itself with this key instead of the simulator
 *   FULLSTORY_API_URL   deliver to this FullStory-compatible URL (with FULLSTORY_API_KEY, or the dev key)
 *   SEGMENT_WRITE_KEY   require this write key on /v1 routes (default: any non-empty one)
 *
 * SIGINT (Ctrl+C) and SIGTERM stop it: the server and its simulator close, and the port is free.
 * package.json starts it with `exec`, so that a signal sent to `npm start` reaches this process.
 */
function portFromEnv(): number {
  const text = process.env.PORT
  const port = text ? Number(text) : DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${text}".`)
  return port
}

function whyNotListening(error: NodeJS.ErrnoException, port: number, host: string): string {
  if (error.code === 'EADDRINUSE') {
    return `port ${port} is already in use on ${host} (another npm start?). Set PORT to a free one: PORT=${
      port + 1
    } npm start`
  }
  if (error.code === 'EACCES') return `port ${port} needs privileges on this machine. Set PORT to one above 1023.`
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return `HOST "${host}" is not an address of this machine. Leave HOST unset to listen on ${DEFAULT_HOST}.`
  }
  return error.message
}

function banner(server: RunningServer, host: string): string {
  const here = `http://localhost:${server.port}`
  const writeKey = process.env.SEGMENT_WRITE_KEY ? '$SEGMENT_WRITE_KEY' : EXAMPLE_WRITE_KEY
  const lines = [
    `FullStory Cloud Mode (Actions) listening on ${here}` + (host === DEFAULT_HOST ? '' : ` (HOST ${host})`),
    server.target === 'FullStory'
      ? 'Delivering to FullStory itself (https://api.fullstory.com) with FULLSTORY_API_KEY.'
      : server.target === 'own simulator'
      ? `Delivering to the FullStory simulator at ${server.deliveryUrl} (no FullStory account needed; set FULLSTORY_API_KEY to send to FullStory).`
      : `Delivering to ${server.deliveryUrl} (FULLSTORY_API_URL).`,
    '',
    'Try it:',
    `  curl -sS -u ${writeKey}: -H 'Content-Type: application/json' -d '{"userId":"user-1","event":"Order Completed","properties":{"total":42.5}}' ${here}/v1/track`
  ]
  if (server.target !== 'FullStory') lines.push(`  curl -sS ${here}/simulator/events`)
  lines.push('', `Routes (GET ${here}/ describes them):`, ...server.routes.map((route) => `  ${route}`), '')
  return lines.join('\n')
}

async function main(): Promise<void> {
  const port = portFromEnv()
  const host = process.env.HOST || DEFAULT_HOST
  let server: RunningServer
  try {
    server = await startServer({
      port,
      host,
      apiKey: process.env.FULLSTORY_API_KEY || undefined,
      fullstoryUrl: process.env.FULLSTORY_API_URL || undefined,
      writeKey: process.env.SEGMENT_WRITE_KEY || undefined
    })
  } catch (error) {
    throw new Error(whyNotListening(error as NodeJS.ErrnoException, port, host))
  }
  console.log(banner(server, host))

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: stopping`)
    server.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`)
  process.exit(1)
})
