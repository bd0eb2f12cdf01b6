import { request as httpRequest } from 'http'
import type { Request, Response } from 'express'
import { errorBody } from './errors'

/**
 * The simulator's read routes (GET /simulator/users, events, jobs, requests), passed through to the
 * simulator the server delivers to, query string included. Its control routes (faults, reset,
 * full sessions) are served on the simulator's own port only.
 */
export function simulatorReads(simulatorUrl: string) {
  return function readSimulator(req: Request, res: Response): void {
    const upstream = httpRequest(
      simulatorUrl + req.originalUrl,
      { headers: { accept: 'application/json' } },
      (answer) => {
        res.status(answer.statusCode ?? 502).type(answer.headers['content-type'] ?? 'application/json')
        answer.pipe(res)
      }
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.status(502).json(errorBody('simulator_unreachable', 'The simulator did not answer.'))
    })
    upstream.end()
  }
}
