/**
 * What the watch after a scenario's steps needs from a capture: when the target last sent anything,
 * and which requests it has started without finishing their body. A connection that is merely open
 * (keep-alive, a push socket) sends nothing and is not activity; a request, a body chunk, a TLS
 * handshake the target tried, a message on a socket are.
 */

/** A request whose headers arrived but whose body had not (yet) completed. */
export interface InFlightRequest {
  method: string;
  url: string;
  /** Epoch ms the request started. */
  startedAt: number;
}

export interface CaptureActivity {
  /** Epoch ms of the last thing the target sent, or undefined when it has sent nothing yet. */
  lastAt?: number;
  /** Requests started and not finished, oldest first. */
  inFlight: InFlightRequest[];
}

/** Bookkeeping of activity, fed by the proxy's events. */
export class ActivityTracker {
  private last: number | undefined;
  private readonly open = new Map<string, InFlightRequest>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Something was sent (a body chunk, a handshake, a message). */
  touch(): void {
    this.last = this.now();
  }

  /** Headers of a request arrived; its body may still be coming. */
  started(id: string, request: Omit<InFlightRequest, 'startedAt'> & { startedAt?: number }): void {
    this.touch();
    this.open.set(id, { ...request, startedAt: request.startedAt ?? this.now() });
  }

  /** The request's body completed (or the request is gone): it is no longer in flight. */
  finished(id: string): void {
    this.touch();
    this.open.delete(id);
  }

  snapshot(): CaptureActivity {
    return {
      ...(this.last !== undefined ? { lastAt: this.last } : {}),
      inFlight: [...this.open.values()].sort((a, b) => a.startedAt - b.startedAt),
    };
  }
}
