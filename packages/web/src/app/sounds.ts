import type { Cue } from '@conclave/client';
import { isMuted, setMuted } from '../platform/preferences.js';

/** The sounds the chat plays (one per `Cue` kind). */
export type SoundName = Cue['sound'];

/** One tone: frequency in Hz, start offset and length in seconds, peak gain (0–1). */
interface Tone {
  hz: number;
  at: number;
  length: number;
  gain: number;
  wave: OscillatorType;
}

/**
 * Short, distinct and quiet: login rises, logout falls, a room message is one
 * soft tick, a private message two quick high notes, a mention a bright rising
 * three-note chime, an alert three urgent beeps.
 */
const SOUNDS: Record<SoundName, Tone[]> = {
  login: [
    { hz: 587.33, at: 0, length: 0.12, gain: 0.18, wave: 'sine' },
    { hz: 880, at: 0.11, length: 0.16, gain: 0.18, wave: 'sine' },
  ],
  logout: [
    { hz: 880, at: 0, length: 0.12, gain: 0.16, wave: 'sine' },
    { hz: 587.33, at: 0.11, length: 0.16, gain: 0.16, wave: 'sine' },
  ],
  room: [{ hz: 1318.5, at: 0, length: 0.05, gain: 0.12, wave: 'triangle' }],
  private: [
    { hz: 1568, at: 0, length: 0.07, gain: 0.16, wave: 'sine' },
    { hz: 2093, at: 0.085, length: 0.09, gain: 0.16, wave: 'sine' },
  ],
  mention: [
    { hz: 1174.66, at: 0, length: 0.08, gain: 0.16, wave: 'sine' },
    { hz: 1567.98, at: 0.075, length: 0.08, gain: 0.16, wave: 'sine' },
    { hz: 2349.32, at: 0.15, length: 0.14, gain: 0.14, wave: 'sine' },
  ],
  alert: [
    { hz: 740, at: 0, length: 0.09, gain: 0.14, wave: 'square' },
    { hz: 740, at: 0.14, length: 0.09, gain: 0.14, wave: 'square' },
    { hz: 554.37, at: 0.28, length: 0.16, gain: 0.14, wave: 'square' },
  ],
};

/**
 * Plays the chat's sounds with WebAudio (nothing downloaded). The
 * AudioContext is made lazily and resumed on a user gesture (browsers keep
 * it suspended before one). Every sound actually requested while not muted
 * is announced as a `conclave:sound` window event (`detail: { sound }`);
 * while muted nothing plays and nothing is dispatched — except `mention`
 * (someone wrote your name: muting quiets the room, not people calling you).
 */
export class SoundPlayer {
  private context: AudioContext | null = null;
  private mutedNow = isMuted();
  private readonly listeners = new Set<() => void>();

  /** Whether sounds are muted (persisted in `localStorage['conclave.muted']`). */
  get muted(): boolean {
    return this.mutedNow;
  }

  /** Mutes or unmutes, and remembers the choice on this browser. */
  setMuted(muted: boolean): void {
    this.mutedNow = muted;
    setMuted(muted);
    for (const l of this.listeners) l();
  }

  /** Re-render hook for the mute button; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates or resumes the AudioContext; call from a user gesture (click, key press). */
  unlock(): void {
    const ctx = this.audio();
    if (ctx !== null && ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  }

  /** Plays `sound` unless muted (a `mention` plays even then). Never throws (a browser without audio stays silent). */
  play(sound: SoundName): void {
    if (this.mutedNow && sound !== 'mention') return;
    window.dispatchEvent(new CustomEvent('conclave:sound', { detail: { sound } }));
    const ctx = this.audio();
    if (ctx === null || ctx.state !== 'running') return;
    const start = ctx.currentTime + 0.01;
    for (const tone of SOUNDS[sound]) this.tone(ctx, tone, start);
  }

  private tone(ctx: AudioContext, tone: Tone, start: number): void {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = tone.wave;
    osc.frequency.value = tone.hz;
    const t0 = start + tone.at;
    const peak = tone.wave === 'square' ? tone.gain * 0.4 : tone.gain;
    // A quick attack and an exponential release: no clicks.
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(peak, t0 + 0.008);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + tone.length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0);
    osc.stop(t0 + tone.length + 0.02);
  }

  private audio(): AudioContext | null {
    if (this.context !== null) return this.context;
    if (typeof AudioContext === 'undefined') return null;
    try {
      this.context = new AudioContext();
    } catch {
      return null;
    }
    return this.context;
  }
}
