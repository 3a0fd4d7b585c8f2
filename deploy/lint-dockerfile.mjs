// Lints deploy/Dockerfile offline and fails on real problems:
//   node deploy/lint-dockerfile.mjs deploy/Dockerfile
// 1. dockerfile-utils' validator (syntax, flags, instructions), every
//    diagnostic counted as an error.
// 2. The image's own rules: a multi-stage build on Debian 12 (the final
//    stage may be `scratch`); a final stage that runs as a numeric non-root
//    user, copies nothing from the build context, carries the CA bundle and
//    starts the gateway in exec form. A Debian final stage installs
//    ca-certificates and copies only the gateway binary from the build
//    stage; a `scratch` final stage has no RUN (there is no shell) and copies
//    the file system that deploy/runtime-rootfs.sh assembled in a stage that
//    installs ca-certificates. apt used without recommends and with its
//    lists removed; nothing downloaded with ADD; no :latest.
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
  if (i.op === 'FROM') {
    const name = i.args.match(/\sAS\s+(\S+)/i)?.[1];
    stages.push({ from: i.args, name, body: [] });
  } else if (stages.length) stages.at(-1).body.push(i);
}
const image = (from) => from.split(/\s+/)[0].replace(/\$\{(\w+)\}/g, (_, n) => args[n] ?? '');

if (stages.length < 2) problems.push('not a multi-stage build');
stages.forEach((s, n) => {
  const img = image(s.from);
  if (img === 'scratch' && n === stages.length - 1) return;
  if (!/^debian:(12|bookworm)\b/.test(img)) problems.push(`stage "${s.from}" is not Debian 12 (${img})`);
  if (img.endsWith(':latest') || !img.includes(':')) problems.push(`stage "${s.from}" has no pinned tag`);
});
const installsCa = (stage) => stage.body.some(
    (i) => i.op === 'RUN' && /apt-get install/.test(i.args) && /\bca-certificates\b/.test(i.args));
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
const copies = final.body.filter((i) => i.op === 'COPY');
for (const c of copies) {
  if (!c.args.includes('--from=')) problems.push(`the final stage copies from the context: COPY ${c.args}`);
}
if (final.from && image(final.from) === 'scratch') {
  // Distroless style: one COPY of the directory runtime-rootfs.sh made.
  if (final.body.some((i) => i.op === 'RUN')) problems.push('a scratch stage cannot RUN (it has no shell)');
  const rootfs = copies.map((c) => c.args.match(/--from=(\S+)\s+(\S+?)\/?\s+\/$/)).filter(Boolean);
  if (rootfs.length !== 1 || copies.length !== 1) {
    problems.push('the scratch final stage must copy one file system to / (COPY --from=<stage> <dir>/ /)');
  } else {
    const [, from, dir] = rootfs[0];
    const source = stages.find((s) => s.name === from);
    if (!source) problems.push(`COPY --from=${from}: no stage named ${from}`);
    else {
      const made = source.body.some((i) => i.op === 'RUN'
          && new RegExp(`runtime-rootfs\\.sh\\s+\\S*maesn-gateway\\s+${dir}(\\s|$)`).test(i.args));
      if (!made) problems.push(`stage ${from} does not assemble ${dir} with runtime-rootfs.sh from the gateway binary`);
      if (!installsCa(source)) problems.push(`stage ${from} does not install ca-certificates (the CA bundle)`);
    }
  }
} else {
  if (!installsCa(final)) problems.push('the final stage does not install ca-certificates');
  const binaries = copies.filter((i) => i.args.includes('--from=') && /maesn-gateway\s+\S+$/.test(i.args));
  if (binaries.length !== 1) problems.push('the final stage must copy the gateway binary once');
}
const entry = final.body.filter((i) => i.op === 'ENTRYPOINT').at(-1);
if (!entry || !entry.args.startsWith('[')) problems.push('ENTRYPOINT must be in exec (JSON) form');

if (problems.length) {
  for (const p of problems) console.error(`FAIL ${file}: ${p}`);
  process.exit(1);
}
console.log(`OK: ${file} (${stages.length} stages, ${instructions.length} instructions)`);
