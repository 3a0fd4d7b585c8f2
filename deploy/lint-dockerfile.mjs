// Lints deploy/Dockerfile offline and fails on real problems:
//   node deploy/lint-dockerfile.mjs deploy/Dockerfile
// 1. dockerfile-utils' validator (syntax, flags, instructions), every
//    diagnostic counted as an error.
// 2. The image's own rules: a multi-stage build on Debian 12; a final stage
//    that runs as a numeric non-root user, installs ca-certificates, copies
//    only the gateway binary from the build stage, and starts it in exec
//    form; apt used without recommends and with its lists removed; nothing
//    downloaded with ADD; no :latest.
import { readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';

const file = process.argv[2];
const text = readFileSync(file, 'utf8');
const problems = [];

for (const d of validate(text)) {
  problems.push(`line ${d.range.start.line + 1}: ${d.message}`);
}

// Instructions with continuation lines joined, comments dropped.
const instructions = [];
let current = '';
for (const raw of text.split('\n')) {
  const line = raw.trim();
  if (current === '' && (line === '' || line.startsWith('#'))) continue;
  if (line.startsWith('#')) continue;
  current += (current ? ' ' : '') + line.replace(/\\$/, '').trim();
  if (!line.endsWith('\\')) {
    const [op, ...rest] = current.split(/\s+/);
    instructions.push({ op: op.toUpperCase(), args: rest.join(' ') });
    current = '';
  }
}

const args = Object.fromEntries(instructions.filter((i) => i.op === 'ARG' && i.args.includes('='))
    .map((i) => i.args.split('=')));
const stages = [];
for (const i of instructions) {
  if (i.op === 'FROM') stages.push({ from: i.args, body: [] });
  else if (stages.length) stages.at(-1).body.push(i);
}
const image = (from) => from.split(/\s+/)[0].replace(/\$\{(\w+)\}/g, (_, n) => args[n] ?? '');

if (stages.length < 2) problems.push('not a multi-stage build');
for (const s of stages) {
  const img = image(s.from);
  if (!/^debian:(12|bookworm)\b/.test(img)) problems.push(`stage "${s.from}" is not Debian 12 (${img})`);
  if (img.endsWith(':latest') || !img.includes(':')) problems.push(`stage "${s.from}" has no pinned tag`);
}
for (const i of instructions) {
  if (i.op === 'ADD' && /https?:\/\//.test(i.args)) problems.push('ADD downloads from the network');
  if (i.op === 'RUN' && /apt-get install/.test(i.args)) {
    if (!i.args.includes('--no-install-recommends')) problems.push('apt-get install without --no-install-recommends');
    if (!i.args.includes('rm -rf /var/lib/apt/lists')) problems.push('apt lists are left in the image');
  }
  if (i.op === 'RUN' && /\b(curl|wget)\b/.test(i.args)) problems.push('RUN downloads from the network');
}
const final = stages.at(-1) ?? { body: [] };
const user = final.body.filter((i) => i.op === 'USER').at(-1);
if (!user || !/^[1-9][0-9]*(:[1-9][0-9]*)?$/.test(user.args)) {
  problems.push('the final stage must end as a numeric non-root USER');
}
if (!final.body.some((i) => i.op === 'RUN' && i.args.includes('ca-certificates'))) {
  problems.push('the final stage does not install ca-certificates');
}
const copies = final.body.filter((i) => i.op === 'COPY');
const binaries = copies.filter((i) => i.args.includes('--from=') && /maesn-gateway\s+\S+$/.test(i.args));
if (binaries.length !== 1) problems.push('the final stage must copy the gateway binary once');
for (const c of copies) {
  if (!c.args.includes('--from=')) problems.push(`the final stage copies from the context: COPY ${c.args}`);
}
const entry = final.body.filter((i) => i.op === 'ENTRYPOINT').at(-1);
if (!entry || !entry.args.startsWith('[')) problems.push('ENTRYPOINT must be in exec (JSON) form');

if (problems.length) {
  for (const p of problems) console.error(`FAIL ${file}: ${p}`);
  process.exit(1);
}
console.log(`OK: ${file} (${stages.length} stages, ${instructions.length} instructions)`);
