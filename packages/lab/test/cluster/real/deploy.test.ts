/**
 * Everything under deploy/, checked without a container engine (none runs here): every YAML
 * file parses; the Kubernetes objects hang together (selectors match pod labels, probes hit
 * the app's health paths on its port, the sticky Service pins clients, the PDBs cover the
 * Deployments, no secret or `latest` tag is committed); the compose services have images or
 * build contexts and health checks; the Dockerfile copies files that exist and runs the app's
 * entry point; and the committed nginx and HAProxy configs are exactly what the renderers
 * give and are accepted by `nginx -t` and `haproxy -c`.
 *
 * `STATECRAFT_UPDATE_DEPLOY=1` rewrites the committed balancer configs from the renderers.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  DEPLOY_BACKENDS,
  DEPLOY_HAPROXY,
  DEPLOY_NGINX,
  deployConfigs,
} from '../../../src/cluster/real/deploy.js';
import { checkConfig, ENGINES, findEngine } from '../../../src/cluster/real/index.js';

const repo = resolve(import.meta.dirname, '../../../../..');
const deploy = join(repo, 'deploy');
const scratch = mkdtempSync(join(tmpdir(), 'statecraft-deploy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked freely; shapes are asserted.
type Any = any;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Every document of every YAML file under deploy/, parsed strictly (merge keys on, as compose reads them). */
function loadYaml(): { file: string; doc: Any }[] {
  const out: { file: string; doc: Any }[] = [];
  for (const file of walk(deploy).filter((f) => /\.ya?ml$/.test(f))) {
    for (const d of parseAllDocuments(readFileSync(file, 'utf8'), { merge: true, prettyErrors: true })) {
      const where = relative(repo, file);
      assert.deepEqual(d.errors, [], `${where} parses`);
      assert.deepEqual(d.warnings, [], `${where} parses without warnings`);
      const doc = d.toJS();
      if (doc !== null) out.push({ file: where, doc });
    }
  }
  return out;
}

const yamlDocs = loadYaml();
const k8s = yamlDocs
  .filter((d) => d.file.startsWith('deploy/k8s/'))
  .map((d) => ({ ...d.doc, _file: d.file }));
const ofKind = (kind: string) => k8s.filter((o) => o.kind === kind);
const subset = (sel: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const workloads = () => [...ofKind('Deployment'), ...ofKind('StatefulSet')];

describe('Kubernetes manifests', () => {
  test('there are manifests, and each object has an apiVersion, a kind and a name', () => {
    assert.ok(k8s.length >= 10, `${k8s.length} objects`);
    for (const o of k8s) {
      assert.equal(typeof o.apiVersion, 'string', o._file);
      assert.equal(typeof o.kind, 'string', o._file);
      assert.match(o.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${o._file} ${o.kind}`);
      if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'statecraft', `${o._file} ${o.kind}`);
    }
    const kinds = new Set(k8s.map((o) => o.kind));
    for (const k of [
      'Namespace',
      'Deployment',
      'Service',
      'StatefulSet',
      'PodDisruptionBudget',
      'ConfigMap',
      'Secret',
    ]) {
      assert.ok(kinds.has(k), `a ${k}`);
    }
  });

  test('Deployments select their own pod template, probe /readyz and /healthz on the container port, and drain', () => {
    const deployments = ofKind('Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['app', 'app-sticky']);
    for (const d of deployments) {
      const name = d.metadata.name;
      assert.equal(d.apiVersion, 'apps/v1');
      assert.ok(d.spec.replicas >= 2, `${name} runs more than one replica`);
      assert.ok(Object.keys(d.spec.selector.matchLabels).length > 0);
      assert.ok(
        subset(d.spec.selector.matchLabels, d.spec.template.metadata.labels),
        `${name} selects its template`,
      );
      const pod = d.spec.template.spec;
      const [c] = pod.containers;
      const port = c.ports.find((p: Any) => p.containerPort === 3000);
      assert.ok(port, `${name} exposes 3000`);
      const onPort = (probe: Any) =>
        probe.httpGet.port === port.name || probe.httpGet.port === port.containerPort;
      assert.equal(c.readinessProbe.httpGet.path, '/readyz', name);
      assert.ok(onPort(c.readinessProbe), `${name} readiness on the container port`);
      assert.equal(c.livenessProbe.httpGet.path, '/healthz', name);
      assert.ok(onPort(c.livenessProbe), `${name} liveness on the container port`);
      // preStop sleep, then the app's drain, both inside the grace period.
      const sleep = Number(c.lifecycle.preStop.exec.command.at(-1));
      const config = ofKind('ConfigMap').find((m) => m.metadata.name === 'statecraft-config');
      const drain = Number(config.data.STATECRAFT_DRAIN_MS) / 1000;
      assert.ok(
        sleep > 0 && pod.terminationGracePeriodSeconds > sleep + drain,
        `${name} grace covers sleep + drain`,
      );
      assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, name);
      assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0, `${name} rolls without losing capacity`);
      const env = Object.fromEntries((c.env ?? []).map((e: Any) => [e.name, e]));
      assert.equal(env.INSTANCE_ID.valueFrom.fieldRef.fieldPath, 'metadata.name');
      for (const from of c.envFrom) {
        const ref = from.configMapRef ?? from.secretRef;
        const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
        assert.ok(
          ofKind(kind).some((o) => o.metadata.name === ref.name),
          `${name} refers to ${kind} ${ref.name}`,
        );
      }
    }
    const sticky = deployments.find((d) => d.metadata.name === 'app-sticky');
    const env = Object.fromEntries(
      sticky.spec.template.spec.containers[0].env.map((e: Any) => [e.name, e.value]),
    );
    assert.equal(env.STATECRAFT_MODE, 'sticky');
    assert.equal(env.STATECRAFT_STORE, 'memory');
    const config = ofKind('ConfigMap')[0];
    assert.ok(['shared', 'stateless', 'hybrid'].includes(config.data.STATECRAFT_MODE));
  });

  test('each Service selects exactly one workload, on a port its pods expose', () => {
    for (const s of ofKind('Service')) {
      const matches = workloads().filter((w) => subset(s.spec.selector, w.spec.template.metadata.labels));
      assert.equal(matches.length, 1, `Service ${s.metadata.name} selects ${matches.length} workloads`);
      const ports = matches[0].spec.template.spec.containers.flatMap((c: Any) => c.ports);
      for (const p of s.spec.ports) {
        assert.ok(
          ports.some((cp: Any) => cp.name === p.targetPort || cp.containerPort === p.targetPort),
          `Service ${s.metadata.name} targets ${p.targetPort}`,
        );
      }
    }
  });

  test('the sticky Service pins a client to a pod, the others balance freely', () => {
    const services = Object.fromEntries(ofKind('Service').map((s) => [s.metadata.name, s]));
    assert.equal(services['app-sticky'].spec.sessionAffinity, 'ClientIP');
    assert.ok(services['app-sticky'].spec.sessionAffinityConfig.clientIP.timeoutSeconds > 0);
    assert.notEqual(services.app.spec.sessionAffinity, 'ClientIP');
  });

  test('Redis runs as a StatefulSet behind a headless Service, with its own volume', () => {
    const [redis] = ofKind('StatefulSet');
    const svc = ofKind('Service').find((s) => s.metadata.name === redis.spec.serviceName);
    assert.ok(svc, 'the StatefulSet names an existing Service');
    assert.equal(svc.spec.clusterIP, 'None');
    assert.ok(subset(redis.spec.selector.matchLabels, redis.spec.template.metadata.labels));
    assert.equal(redis.spec.volumeClaimTemplates[0].metadata.name, 'data');
    const config = ofKind('ConfigMap')[0];
    const host = `${redis.metadata.name}-0.${svc.metadata.name}`;
    assert.equal(config.data.STATECRAFT_STORE, `redis://${host}:6379`);
    assert.equal(config.data.STATECRAFT_BUS, `redis://${host}:6379`);
  });

  test('each PodDisruptionBudget covers one Deployment', () => {
    const pdbs = ofKind('PodDisruptionBudget');
    assert.equal(pdbs.length, 2);
    for (const p of pdbs) {
      const covered = ofKind('Deployment').filter((d) =>
        subset(p.spec.selector.matchLabels, d.spec.template.metadata.labels),
      );
      assert.equal(covered.length, 1, `PDB ${p.metadata.name}`);
      assert.ok(p.spec.maxUnavailable === 1 || p.spec.minAvailable < covered[0].spec.replicas);
    }
  });

  test('containers run unprivileged, pinned to a tagged image with resources', () => {
    for (const w of workloads()) {
      const pod = w.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
      for (const c of pod.containers) {
        assert.match(c.image, /:[\w.-]+$/, `${c.image} has a tag`);
        assert.doesNotMatch(c.image, /:latest$/);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.ok(c.resources.requests && c.resources.limits, `${w.metadata.name}/${c.name} resources`);
        const argv = [
          ...(c.command ?? []),
          ...(c.args ?? []),
          ...(c.lifecycle?.preStop?.exec?.command ?? []),
        ];
        for (const arg of argv) assert.equal(typeof arg, 'string', `${w.metadata.name}/${c.name}`);
      }
    }
  });

  test('the Secret is a placeholder the app refuses, not a key', () => {
    const [secret] = ofKind('Secret');
    const value = secret.stringData.STATECRAFT_SECRET;
    assert.doesNotMatch(value, /^[0-9a-fA-F]{64}$/);
    assert.match(readFileSync(join(repo, secret._file), 'utf8'), /openssl rand -hex 32/);
  });
});

describe('compose file', () => {
  const compose = yamlDocs.find((d) => d.file === 'deploy/compose.yaml')!.doc;

  test('every service has an image or a build context, a tagged image, and a health check', () => {
    const services = Object.entries<Any>(compose.services);
    assert.ok(services.length >= 6);
    for (const [name, s] of services) {
      assert.ok(s.image || s.build, `${name} has an image or a build`);
      if (s.image) {
        assert.match(s.image, /:[\w.-]+$/, `${name} image is tagged`);
        assert.doesNotMatch(s.image, /:latest$/, name);
      }
      if (s.build) {
        const context = resolve(deploy, s.build.context);
        assert.ok(existsSync(context), `${name} build context`);
        assert.ok(existsSync(join(context, s.build.dockerfile)), `${name} Dockerfile`);
      }
      assert.ok(Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1, `${name} health check`);
      // A plain YAML item holding ': ' turns into a mapping: every argument must stay a string.
      for (const arg of [...s.healthcheck.test, ...(s.command ?? [])])
        assert.equal(typeof arg, 'string', name);
      for (const dep of Object.keys(s.depends_on ?? {}))
        assert.ok(compose.services[dep], `${name} depends on ${dep}`);
      for (const v of s.volumes ?? []) {
        const [src] = String(v).split(':');
        if (src!.startsWith('.')) assert.ok(existsSync(resolve(deploy, src!)), `${name} mounts ${src}`);
        else assert.ok(src! in (compose.volumes ?? {}), `${name} volume ${src}`);
      }
    }
  });

  test('three app replicas run shared mode over Redis, each with its own id, behind nginx', () => {
    const apps = DEPLOY_BACKENDS.map((b) => compose.services[b.host]);
    assert.equal(apps.length, 3);
    apps.forEach((a, i) => {
      assert.equal(a.environment.STATECRAFT_MODE, 'shared');
      assert.match(a.environment.STATECRAFT_STORE, /^redis:\/\/redis:6379/);
      assert.match(a.environment.STATECRAFT_BUS, /^redis:\/\/redis:6379/);
      assert.equal(a.environment.INSTANCE_ID, DEPLOY_BACKENDS[i]!.id);
      assert.equal(a.environment.PORT, String(DEPLOY_BACKENDS[i]!.port));
      assert.equal(a.environment.HOST, '0.0.0.0');
      assert.equal(a.healthcheck.test.at(-1).includes('/readyz'), true);
      // Secrets come from the environment of whoever runs compose, never from this file.
      assert.match(a.environment.STATECRAFT_SECRET, /^\$\{STATECRAFT_SECRET:\?/);
    });
    assert.ok(compose.services.nginx.volumes.includes('./nginx/nginx.conf:/etc/nginx/nginx.conf:ro'));
    assert.match(compose.services.nginx.ports[0], new RegExp(`:${DEPLOY_NGINX.listen.port}$`));
    assert.match(compose.services.haproxy.ports[0], new RegExp(`:${DEPLOY_HAPROXY.listen.port}$`));
    assert.match(compose.services.postgres.environment.POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?/);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8');

  test('base images are pinned and every file it copies from the repository exists', () => {
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    assert.equal(froms.length, 2);
    for (const f of froms) assert.match(f, /^node:20\.\d+-bookworm(-slim)?$/);
    const copies = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    assert.ok(copies.length >= 5);
    for (const c of copies) assert.ok(existsSync(join(repo, c)), `COPY ${c}`);
  });

  test('it runs the compiled app entry point, whose source exists', () => {
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(text);
    assert.ok(cmd);
    assert.equal(cmd[1], 'packages/lab/dist/app/main.js');
    assert.ok(existsSync(join(repo, 'packages/lab/src/app/main.ts')));
  });
});

describe('committed balancer configs', () => {
  const committed = deployConfigs();
  if (process.env.STATECRAFT_UPDATE_DEPLOY) {
    for (const [path, text] of Object.entries(committed)) writeFileSync(join(repo, path), text);
  }

  for (const [path, text] of Object.entries(committed)) {
    test(`${path} is what the renderer gives`, () => {
      assert.equal(
        readFileSync(join(repo, path), 'utf8'),
        text,
        `${path} differs from the renderer: STATECRAFT_UPDATE_DEPLOY=1 node scripts/test.mjs ${relative(repo, import.meta.filename)}`,
      );
    });
  }

  // The committed files name the compose containers (app1…app3), which do not resolve here,
  // and nginx resolves upstream names while loading; a name lookup would also leave the
  // machine. So the engines check a copy in which only those names become 127.0.0.1 and the
  // prefix becomes a scratch directory; everything else is the committed text.
  const engines = [
    { engine: ENGINES.nginx, path: 'deploy/nginx/nginx.conf', prefix: DEPLOY_NGINX.prefix },
    { engine: ENGINES.haproxy, path: 'deploy/haproxy/haproxy.cfg', prefix: DEPLOY_HAPROXY.prefix },
  ];
  for (const { engine, path, prefix } of engines) {
    test(`${engine.name} accepts ${path}`, async () => {
      const dir = join(scratch, engine.name);
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      let text = readFileSync(join(repo, path), 'utf8');
      for (const b of DEPLOY_BACKENDS) {
        const before = text;
        text = text.replaceAll(` ${b.host}:${b.port}`, ` 127.0.0.1:${b.port}`);
        assert.notEqual(text, before, `${path} addresses ${b.host}`);
      }
      assert.ok(text.includes(prefix), `${path} uses ${prefix}`);
      text = text.replaceAll(`${prefix}/`, `${dir}/`);
      assert.doesNotMatch(text, /\bapp[0-9]:/);
      const copy = join(dir, engine.file);
      mkdirSync(dirname(copy), { recursive: true });
      writeFileSync(copy, text);
      await checkConfig(engine, findEngine(engine.name), copy, dir);
    });
  }
});

describe('nothing secret is committed under deploy/', () => {
  test('no file holds a 64-hex-character value', () => {
    for (const f of walk(deploy)) {
      assert.doesNotMatch(readFileSync(f, 'utf8'), /\b[0-9a-fA-F]{64}\b/, relative(repo, f));
    }
  });
});
