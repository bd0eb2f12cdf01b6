import type { RequestRecord } from './types'

/** The last `size` API requests, for tests and for `GET /simulator/requests`. */
export class RequestLog {
  private records: RequestRecord[] = []
  private seq = 1

  constructor(private readonly size: number) {}

  add(record: Omit<RequestRecord, 'seq' | 'at'>): void {
    this.records.push({ seq: this.seq++, at: new Date().toISOString(), ...record })
    if (this.records.length > this.size * 2) this.records = this.records.slice(-this.size)
  }

  all(): RequestRecord[] {
    return this.records.slice(-this.size)
  }

  clear(): void {
    this.records = []
  }
}
