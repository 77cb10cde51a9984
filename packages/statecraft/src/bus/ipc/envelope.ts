/**
 * The one message the IPC bus puts on Node's IPC channel, and how to tell it apart from the
 * supervisor's own messages (health, drain, metrics…) that share the channel: anything that is
 * not exactly this shape is left alone.
 */

export interface Envelope {
  $statecraftBus: 1;
  channel: string;
  message: string;
}

export function envelope(channel: string, message: string): Envelope {
  return { $statecraftBus: 1, channel, message };
}

export function isEnvelope(m: unknown): m is Envelope {
  if (typeof m !== 'object' || m === null) return false;
  const e = m as Partial<Envelope>;
  return e.$statecraftBus === 1 && typeof e.channel === 'string' && typeof e.message === 'string';
}
