// Prints the manifest of a model file (JSON): name, byte size, SHA-256, and the summary of
// its inkline metadata (architecture, preset, stage, validation metrics).
//   node scripts/manifest.mjs pkg/inkline.inkline > pkg/model.json
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const path = process.argv[2];
const bytes = readFileSync(path);
const headerLen = Number(bytes.readBigUInt64LE(0));
const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8'));
const meta = JSON.parse(header.__metadata__.inkline);
const manifest = {
  file: basename(path),
  bytes: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  arch: meta.config.arch,
  preset: meta.provenance.preset,
  stage: meta.provenance.stage,
  steps: meta.provenance.steps,
  inputHeight: meta.config.input_height,
  metrics: meta.metrics,
};
process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
