import { request } from 'http'
import { connect } from 'net'
import { startServer, type RunningServer } from '../server'
import { SEGMENT_APP_ORIGINS } from '../server/guards'
import { startSimulator, type Simulator } from '../simulator'
import { call } from './helpers'

// Who may talk to the local server and what it shows them: requests addressed to another host
// (DNS rebinding) and from other web pages are refused, Segment's app is allowed (CORS); the
// simulator's control routes are not reachable through it; a stalled client is answered 408 and
// logged so; GET / lists every route there is.

let sim: Simulator
let server: RunningServer
const lines: string[] = []

beforeAll(async () => {
  sim = await startSimulator({ keys: ['safety-key'] })
  server = await startServer({
    port: 0,
    fullstoryUrl: sim.url,
    apiKey: 'safety-key',
    log: (line) => lines.push(line),
    bodyTimeoutMs: 300
  })
})
afterAll(async () => {
  await server.close()
  await sim.close()
})
beforeEach(() => {
  sim.reset()
  lines.length = 0
})

interface Raw {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** One request with every header as given (Host and Origin included). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Writes `text` on a raw connection and resolves with all that comes back before it closes (or 5 s). */
function onSocket(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => socket.write(text))
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      received += chunk
      if (/\r\n\r\n[^]*\}$/.test(received)) socket.end()
    })
    socket.on('close', () => resolve(received))
    socket.on('error', () => resolve(received))
    socket.setTimeout(5000, () => socket.destroy())
  })
}

const deleteBody = JSON.stringify({ payload: { userId: 'victim' }, settings: {} })
const json = { 'Content-Type': 'application/json' }

describe('Host: only loopback names with the port', () => {
  it.each(['localhost', '127.0.0.1', '[::1]', 'LOCALHOST'])('%s:<port> is answered', async (name) => {
    const reply = await raw('GET', '/', { Host: `${name}:${server.port}` })
    expect(reply.status).toBe(200)
  })

  it.each([
    ['a rebinding domain', 'attacker.example:PORT'],
    ['a rebinding domain without port', 'attacker.example'],
    ['localhost on another port', 'localhost:1'],
    ['localhost without the port', 'localhost'],
    ['a look-alike', 'localhost.attacker.example:PORT'],
    ['a LAN address', '192.168.1.20:PORT']
  ])('%s is refused 403 and nothing is deleted', async (_what, host) => {
    const reply = await raw('POST', '/delete', { Host: host.replace('PORT', String(server.port)), ...json }, deleteBody)
    expect(reply.status).toBe(403)
    expect(JSON.parse(reply.text).error.code).toBe('forbidden_host')
    expect(sim.requests()).toEqual([])
  })

  it('HOST (the host option) is honoured: it listens there and answers requests addressed to it', async () => {
    const other = await startServer({ port: 0, host: '127.0.0.2', fullstoryUrl: sim.url, log: () => undefined })
    try {
      expect(other.url).toBe(`http://127.0.0.2:${other.port}`)
      expect((await call(other.url, 'GET', '/')).status).toBe(200)
      const elsewhere = await onSocket(
        '127.0.0.2',
        other.port,
        `GET / HTTP/1.1\r\nHost: attacker.example:${other.port}\r\n\r\n`
      )
      expect(elsewhere).toMatch(/^HTTP\/1\.1 403 /)
      // not listening on 127.0.0.1
      await expect(fetch(`http://127.0.0.1:${other.port}/`)).rejects.toThrow()
    } finally {
      await other.close()
    }
  })
})

describe("Origin: Segment's app only", () => {
  const preflight = (origin: string) =>
    raw('OPTIONS', '/trackEvent', {
      Host: `localhost:${server.port}`,
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type'
    })

  it.each([...SEGMENT_APP_ORIGINS])('a preflight from %s is allowed (CORS)', async (origin) => {
    const reply = await preflight(origin)
    expect(reply.status).toBe(204)
    expect(reply.headers['access-control-allow-origin']).toBe(origin)
    expect(reply.headers['access-control-allow-methods']).toContain('POST')
  })

  it.each(['https://attacker.example', 'null', 'https://app.segment.com.attacker.example', 'http://localhost:3000'])(
    'a preflight from %s is refused 403, without CORS headers',
    async (origin) => {
      const reply = await preflight(origin)
      expect(reply.status).toBe(403)
      expect(reply.headers['access-control-allow-origin']).toBeUndefined()
      expect(JSON.parse(reply.text).error.code).toBe('forbidden_origin')
    }
  )

  it('a simple request from another page (no preflight) is refused too, and sends nothing', async () => {
    const reply = await raw(
      'POST',
      '/delete',
      { Host: `localhost:${server.port}`, Origin: 'https://attacker.example', 'Content-Type': 'text/plain' },
      deleteBody
    )
    expect(reply.status).toBe(403)
    expect(sim.requests()).toEqual([])
  })

  it("Segment's app may call an action route, and reads the answer (CORS header)", async () => {
    const reply = await raw(
      'POST',
      '/trackEvent',
      { Host: `localhost:${server.port}`, Origin: 'https://app.segment.com', ...json },
      JSON.stringify({ payload: { userId: 'u', event: 'From The Tester' }, settings: {} })
    )
    expect(reply.status).toBe(200)
    expect(reply.headers['access-control-allow-origin']).toBe('https://app.segment.com')
    expect(sim.events().map((e) => e.name)).toEqual(['From The Tester'])
  })
})

describe("the simulator's control routes stay on the simulator's port", () => {
  it.each([
    ['POST', '/simulator/faults', { fault: '500' }],
    ['DELETE', '/simulator/faults', undefined],
    ['POST', '/simulator/reset', {}],
    ['POST', '/simulator/full-sessions', { id: '1:2' }]
  ])('%s %s through the server: 404/405, nothing changed', async (method, path, body) => {
    sim.faults.queue('503')
    const reply = await call(server.url, method, path, body === undefined ? {} : { body })
    expect([404, 405]).toContain(reply.status)
    expect(sim.faults.pending()).toBe(1)
    expect(sim.fullSessions.size).toBe(0)
    sim.faults.clear()
  })

  it('the read routes pass through', async () => {
    const reply = await call(server.url, 'GET', '/simulator/requests')
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({ requests: [] })
  })
})

describe('a stalled request', () => {
  it('a body that stops arriving is answered 408 and logged as 408', async () => {
    const answer = await onSocket(
      '127.0.0.1',
      server.port,
      `POST /v1/track HTTP/1.1\r\nHost: localhost:${server.port}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 100\r\nAuthorization: Basic dzo=\r\n\r\n{"userId":"u1",'
    )
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(answer).toContain('"code":"request_timeout"')
    expect(lines).toEqual([expect.stringMatching(/^POST \/v1\/track 408 \d+ms request_timeout$/)])
    expect(sim.requests()).toEqual([])
  })

  it('a client that leaves before its answer is logged 499; the message is still delivered', async () => {
    // A delivery first, so that the one timed below meets a warm server (its route loaded and
    // compiled) and is on its way to FullStory, held there by the latency, when the client leaves.
    await call(server.url, 'POST', '/v1/track', {
      body: { userId: 'u', event: 'Warm-up' },
      headers: { Authorization: 'Basic dzo=' }
    })
    sim.reset()
    lines.length = 0
    sim.faults.queue('latency=1500')
    const aborted = fetch(`${server.url}/v1/track`, {
      method: 'POST',
      body: JSON.stringify({ userId: 'u', event: 'Left' }),
      headers: { ...json, Authorization: 'Basic dzo=' },
      signal: AbortSignal.timeout(300)
    })
    await expect(aborted).rejects.toThrow()
    const deadline = Date.now() + 5000
    while (!lines.some((line) => line.startsWith('POST /v1/track 499')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(lines).toContainEqual(expect.stringMatching(/^POST \/v1\/track 499 \d+ms client closed the connection$/))
    while (sim.events().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(sim.events().map((e) => e.name)).toEqual(['Left'])
  })
})

describe('GET /', () => {
  it('lists every route the server has, and no other', async () => {
    const reply = await call(server.url, 'GET', '/')
    expect(reply.json.destination).toBe('FullStory Cloud Mode (Actions)')
    const listed = Object.keys(reply.json.routes)
    expect(listed).toEqual(server.routes)
    // each listed route answers something other than 404; an unlisted path answers 404
    for (const route of listed) {
      const [method, path] = route.split(' ')
      const answer = await call(server.url, method, path, method === 'POST' ? { body: {} } : {})
      expect({ route, notFound: answer.status === 404 }).toEqual({ route, notFound: false })
    }
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /v1/identify',
        'POST /v1/track',
        'POST /v1/page',
        'POST /v1/batch',
        'GET /manifest',
        'POST /authenticate',
        'POST /identifyUser',
        'POST /trackEvent',
        'POST /delete',
        'GET /simulator/events'
      ])
    )
  })
})
