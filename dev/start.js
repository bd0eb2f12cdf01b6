// `npm start` (plain JavaScript, so that it runs before anything is built). It binds PORT (and the
// simulator's port) first, so that a busy port is said at once; compiles src/ and dev/ into
// dist-dev/ when a source is newer than the last build (`npm run build:dev` does only this); then
// runs dev/main.ts from there. Environment: dev/README.md.
const { createServer } = require('http')
const { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('fs')
const { dirname, join, relative } = require('path')

const ROOT = join(__dirname, '..')
const OUT = join(ROOT, 'dist-dev')
const STAMP = join(OUT, '.built')

/** The TypeScript files under `dir`, tests left out. */
function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : tsFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}
const sources = () => [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'dev'))]

/** Compiles each file on its own with TypeScript's transpiler (types are `npm run typecheck`'s concern). */
function build() {
  const ts = require('typescript')
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config
  const { options } = ts.convertCompilerOptionsFromJson({ ...config.compilerOptions, sourceMap: false }, ROOT)
  rmSync(OUT, { recursive: true, force: true })
  for (const file of sources()) {
    const out = join(OUT, relative(ROOT, file)).replace(/\.ts$/, '.js')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(
      out,
      ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file }).outputText
    )
  }
  writeFileSync(STAMP, '')
}

function stale() {
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0
  return [join(ROOT, 'tsconfig.json'), ...sources()].some((file) => statSync(file).mtimeMs > built)
}

function portOf(name, fallback) {
  const text = process.env[name]
  const port = text ? Number(text) : fallback
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port
  throw new Error(`${name} must be a port number, not "${text}".`)
}

function why(error, name, port, host) {
  if (error.code === 'EADDRINUSE') {
    return `port ${port} is already in use on ${host} (another npm start?). Set ${name} to a free one: ${name}=${
      port + 1
    } npm start`
  }
  if (error.code === 'EACCES') return `port ${port} needs privileges on this machine. Set ${name} to one above 1023.`
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return `HOST "${host}" is not an address of this machine. Leave HOST unset to listen on 127.0.0.1.`
  }
  return error.message
}

/** An HTTP server listening on `port`; until the real handler is attached, requests are answered 503. */
function bind(name, port, host) {
  const server = createServer((req, res) => server.listenerCount('request') === 1 && res.writeHead(503).end())
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(why(error, name, port, host))))
    server.listen(port, host, () => resolve(server))
  })
}

async function main() {
  const env = process.env
  const host = env.HOST || '127.0.0.1'
  const server = await bind('PORT', portOf('PORT', 3000), host)
  const ownSimulator = !env.FULLSTORY_API_KEY && !env.FULLSTORY_API_URL
  const simulatorServer = ownSimulator
    ? await bind('SIMULATOR_PORT', portOf('SIMULATOR_PORT', 0), '127.0.0.1')
    : undefined
  if (stale()) build()
  await require(join(OUT, 'dev', 'main.js')).main({ server, simulatorServer, host, env })
}

if (process.argv.includes('--build')) build()
else {
  main().catch((error) => {
    console.error(`npm start failed: ${error.message}`)
    process.exit(1)
  })
}
