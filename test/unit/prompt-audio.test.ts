// The pure parts of the media stores' audio files (src/media/audio-files.ts): recognising audio
// by its bytes, finding truncated WAVs, reading a stored file's duration from its header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffAudio, storedWavSeconds, wavProblem } from '../../src/media/audio-files.ts';
import { pcmWav } from '../lib/wav.ts';

test('sniff: WAV, MP3 with an ID3 tag or a bare frame, anything else is not audio', () => {
  assert.equal(sniffAudio(pcmWav(0.1)), 'wav');
  assert.equal(sniffAudio(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00rest', 'latin1')), 'mp3');
  assert.equal(sniffAudio(Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0])), 'mp3');
  assert.equal(sniffAudio(Buffer.from([0xff, 0xf9, 0x90, 0x64])), undefined, 'layer "reserved" is no MPEG audio');
  assert.equal(sniffAudio(Buffer.from('hello, this is text\n')), undefined);
  assert.equal(sniffAudio(Buffer.from('RIFF\x00\x00\x00\x00AVI LIST', 'latin1')), undefined, 'a RIFF that is not WAVE');
  assert.equal(sniffAudio(Buffer.alloc(0)), undefined);
  assert.equal(sniffAudio(new Uint8Array(pcmWav(0.1)).subarray(0)), 'wav', 'a Uint8Array view works too');
});

test('WAV structure: complete files pass, truncated ones are named', () => {
  assert.equal(wavProblem(pcmWav(1)), undefined);
  assert.match(wavProblem(pcmWav(1).subarray(0, 1000))!, /truncated: the audio data should be 16000 bytes, 956 are there/);
  assert.match(wavProblem(pcmWav(1).subarray(0, 30))!, /truncated inside its "fmt " chunk/);
  assert.match(wavProblem(pcmWav(1).subarray(0, 36))!, /no audio data chunk/);
  assert.equal(wavProblem(pcmWav(1, { declared: 0xffffffff })), undefined, 'a streamed WAV of unknown length');
  assert.match(wavProblem(pcmWav(0, { declared: 0xffffffff }))!, /no audio data/);
  assert.match(wavProblem(Buffer.from('not a wav'))!, /not a RIFF/);
});

test('stored duration comes from the data chunk, bounded by the file', () => {
  const w = pcmWav(2.5);
  assert.equal(storedWavSeconds(w.subarray(0, 4096), w.length), 2.5);
  assert.equal(storedWavSeconds(w.subarray(0, 4096), 44 + 8000), 0.5, 'a file shorter than its header says');
});
