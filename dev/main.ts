import type { Server } from 'http'
import { DEFAULT_HOST, EXAMPLE_WRITE_KEY } from './constants'
import { startServer } from './server'
import type { RunningServer } from './server'

/** How long requests in flight may take to finish once a signal says to stop (as the CLI's `serve`). */
export const STOP_GRACE_MS = 8000

function banner(server: RunningServer, host: string, env: NodeJS.ProcessEnv): string {
  const here = `http://localhost:${server.port}`
  const writeKey = env.SEGMENT_WRITE_KEY ? '$SEGMENT_WRITE_KEY' : EXAMPLE_WRITE_KEY
  const delivery = {
    FullStory: 'Delivering to FullStory itself (https://api.fullstory.com) with FULLSTORY_API_KEY.',
    'own simulator': `Delivering to the FullStory simulator at ${server.deliveryUrl} (no FullStory account needed; set FULLSTORY_API_KEY to send to FullStory).`,
    'given URL': `Delivering to ${server.deliveryUrl} (FULLSTORY_API_URL).`
  }
  const example = `curl -sS -u ${writeKey}: -H 'Content-Type: application/json' -d '{"userId":"user-1","event":"Order Completed","properties":{"total":42.5}}' ${here}/v1/track`
  return [
    `FullStory Cloud Mode (Actions) listening on ${here}` + (host === DEFAULT_HOST ? '' : ` (HOST ${host})`),
    delivery[server.target],
    '',
    'Try it:',
    `  ${example}`,
    ...(server.target === 'FullStory' ? [] : [`  curl -sS ${here}/simulator/events`]),
    '',
    `Routes (GET ${here}/ describes them):`,
    ...server.routes.map((route) => `  ${route}`),
    ''
  ].join('\n')
}

/**
 * The server behind `npm start` (dev/start.js binds its ports and builds dist-dev/ first). SIGINT
 * (Ctrl+C) and SIGTERM stop it: no new requests, those in flight finish (at most STOP_GRACE_MS),
 * then the simulator closes and the process exits.
 */
export async function main(given: { server: Server; simulatorServer?: Server; host: string; env: NodeJS.ProcessEnv }) {
  const { env, host } = given
  const server = await startServer({
    server: given.server,
    host,
    apiKey: env.FULLSTORY_API_KEY || undefined,
    fullstoryUrl: env.FULLSTORY_API_URL || undefined,
    writeKey: env.SEGMENT_WRITE_KEY || undefined,
    simulator: { server: given.simulatorServer }
  })
  console.log(banner(server, host, env))
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: stopping (requests in flight get ${STOP_GRACE_MS / 1000} s to finish)`)
    server.close(STOP_GRACE_MS).then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}
