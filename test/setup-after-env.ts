import nock from 'nock'

// Unit tests never leave the machine: nock answers for FullStory, and only loopback (the
// simulator and the local server in end-to-end tests) is reachable.
beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/)
})

beforeEach(() => {
  nock.cleanAll()
})

afterAll(() => {
  nock.restore()
})
