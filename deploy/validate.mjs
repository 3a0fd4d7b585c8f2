// Offline checks of the rendered Kubernetes manifests:
//   node deploy/validate.mjs <rendered.yaml>...
// 1. Every object validates against the Kubernetes JSON schema
//    (npm kubernetes-models): types, required fields, enums.
// 2. The gateway's own rules: native gRPC probes, resources, a locked-down
//    securityContext, the API key from a Secret, a termination grace that
//    covers GATEWAY_DRAIN_DELAY_MS + GATEWAY_SHUTDOWN_GRACE_MS, Prometheus
//    scraping, a ClusterIP and a headless Service, an HPA and a PDB that
//    point at the Deployment.
// Exits 1 with one line per problem.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';

const models = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

function matches(selector, labels) {
  return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function checkDeployment(file, d, objects) {
  const where = `${file}: Deployment ${d.metadata.name}`;
  const pod = d.spec.template;
  const spec = pod.spec;
  if (!matches(d.spec.selector.matchLabels, pod.metadata?.labels)) {
    problem(where, 'selector does not match the pod labels');
  }
  const ann = pod.metadata?.annotations ?? {};
  if (ann['prometheus.io/scrape'] !== 'true' || !ann['prometheus.io/port']) {
    problem(where, 'pod template lacks prometheus.io/scrape and /port annotations');
  }
  if (spec.securityContext?.runAsNonRoot !== true) {
    problem(where, 'pod securityContext.runAsNonRoot must be true');
  }
  if (spec.automountServiceAccountToken !== false) {
    problem(where, 'automountServiceAccountToken must be false');
  }
  for (const c of spec.containers) {
    const cw = `${where}: container ${c.name}`;
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      if (!c[probe]?.grpc?.port) problem(cw, `${probe} must be a native grpc: probe`);
    }
    for (const kind of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) {
        if (!c.resources?.[kind]?.[r]) problem(cw, `resources.${kind}.${r} missing`);
      }
    }
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) problem(cw, 'readOnlyRootFilesystem must be true');
    if (sc.allowPrivilegeEscalation !== false) problem(cw, 'allowPrivilegeEscalation must be false');
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problem(cw, 'capabilities.drop must include ALL');
    if (sc.privileged === true) problem(cw, 'must not be privileged');
    if (!c.image || c.image.endsWith(':latest') || !c.image.includes(':')) {
      problem(cw, `image "${c.image}" must carry an explicit tag`);
    }
    const key = (c.env ?? []).find((e) => e.name === 'MAESN_API_KEY');
    if (!key?.valueFrom?.secretKeyRef) problem(cw, 'MAESN_API_KEY must come from a Secret');
    for (const e of c.env ?? []) {
      if (/KEY|SECRET|TOKEN|PASSWORD/.test(e.name) && e.value !== undefined) {
        problem(cw, `${e.name} is a literal value; use a Secret`);
      }
    }
    // The drain must fit into the termination grace period.
    const env = {};
    for (const from of c.envFrom ?? []) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' &&
          o.metadata.name === from.configMapRef?.name);
      if (!cm) {
        problem(cw, `envFrom ConfigMap ${from.configMapRef?.name} is not in the manifests`);
        continue;
      }
      Object.assign(env, cm.data);
    }
    for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    const drain = Number(env.GATEWAY_DRAIN_DELAY_MS ?? 5000);
    const grace = Number(env.GATEWAY_SHUTDOWN_GRACE_MS ?? 20000);
    const period = (spec.terminationGracePeriodSeconds ?? 30) * 1000;
    if (!(period >= drain + grace + 1000)) {
      problem(cw, `terminationGracePeriodSeconds (${period / 1000}) must exceed ` +
          `GATEWAY_DRAIN_DELAY_MS + GATEWAY_SHUTDOWN_GRACE_MS (${drain + grace} ms) by 1 s`);
    }
    const age = Number(env.GATEWAY_MAX_CONNECTION_AGE_GRACE_MS ?? 20000);
    if (age > period) {
      problem(cw, 'GATEWAY_MAX_CONNECTION_AGE_GRACE_MS exceeds the termination grace period');
    }
    const ports = (c.ports ?? []).map((p) => p.containerPort);
    if (!ports.includes(Number(ann['prometheus.io/port']))) {
      problem(cw, 'the prometheus.io/port is not a container port');
    }
  }
}

const objects = [];
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const doc of docs) {
    if (doc.errors.length) {
      problem(file, `YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj == null) continue;
    const id = `${obj.apiVersion}/${obj.kind}`;
    const Model = models[id];
    if (!Model) {
      problem(file, `no schema for ${id} (add it to validate.mjs)`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      problem(`${file}: ${obj.kind} ${obj.metadata?.name}`, `schema: ${e.message}`);
    }
    objects.push({ ...obj, file });
  }
}

const deployments = objects.filter((o) => o.kind === 'Deployment');
if (deployments.length !== 1) problem('manifests', 'expected exactly one Deployment');
for (const d of deployments) {
  checkDeployment(d.file, d, objects);
  const podLabels = d.spec.template.metadata?.labels;
  const services = objects.filter((o) => o.kind === 'Service' &&
      matches(o.spec.selector, podLabels));
  if (!services.some((s) => s.spec.clusterIP === 'None')) {
    problem('manifests', 'no headless Service (clusterIP: None) selects the pods');
  }
  if (!services.some((s) => s.spec.clusterIP !== 'None')) {
    problem('manifests', 'no ClusterIP Service selects the pods');
  }
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  if (hpa?.spec.scaleTargetRef.name !== d.metadata.name) {
    problem('manifests', 'no HorizontalPodAutoscaler targets the Deployment');
  }
  const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget');
  if (!pdb || !matches(pdb.spec.selector.matchLabels, podLabels)) {
    problem('manifests', 'no PodDisruptionBudget selects the pods');
  }
}

if (problems.length) {
  for (const p of problems) console.error(`FAIL ${p}`);
  process.exit(1);
}
console.log(`OK: ${objects.length} objects valid (${process.argv.slice(2).join(', ')})`);
